from . import report_clearing_certificate
from . import report_clearing_summary
from . import report_clearing_integrity
from . import report_clearing_xlsx
