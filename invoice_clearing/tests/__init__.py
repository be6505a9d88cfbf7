from . import test_install
from . import test_fapiao
from . import test_fapiao_rpc
from . import test_i18n
from . import test_clearing
from . import test_clearing_web
from . import test_deadline
from . import test_import
