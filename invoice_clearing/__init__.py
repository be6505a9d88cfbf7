import logging

from . import controllers
from . import models
from . import report
from . import wizards
from . import demo

_logger = logging.getLogger(__name__)


def uninstall_hook(env):
    """Say in the server log what the uninstall dialog says: the packages stay behind."""
    warning = env["invoice.clearing"]._archive_uninstall_warning()
    if warning:
        _logger.warning("%s", warning)
