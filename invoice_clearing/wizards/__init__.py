from . import invoice_clearing_fapiao_register
from . import invoice_clearing_fapiao_register_line
from . import invoice_clearing_reopen
from . import invoice_clearing_integrity_check
from . import invoice_clearing_import_wizard
from . import invoice_clearing_fapiao_file_import
from . import invoice_clearing_fapiao_file_import_line
from . import invoice_clearing_red_confirmation_import
