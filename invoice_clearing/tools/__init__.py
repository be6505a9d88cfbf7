"""Pure-Python fapiao rules: no Odoo import, so they are testable in milliseconds."""
