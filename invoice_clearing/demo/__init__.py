"""Demo data written in Python: files shaped like the platforms' exports."""

from . import invoice_clearing_demo
