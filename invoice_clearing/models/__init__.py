from . import invoice_clearing_fapiao
from . import invoice_clearing
from . import invoice_clearing_summary_line
from . import invoice_clearing_filing_line
from . import invoice_clearing_problem
from . import account_move
