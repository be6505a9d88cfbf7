from . import invoice_clearing_demo
