from . import invoice_clearing_fapiao
from . import invoice_clearing
from . import account_move
