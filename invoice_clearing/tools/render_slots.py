"""How many HTTP workers may render a clearing certificate inside their request at once.

wkhtmltopdf fetches the report's CSS over HTTP from Odoo itself. In prefork mode (--workers=N)
a worker rendering in its request waits for another HTTP worker to serve that CSS: if every
worker renders at once (two approvals on --workers=2), nobody serves it and Odoo kills them all
at its real-time limit. So one worker always stays spare; the certificates beyond the slots go
to the cron worker, which does not take an HTTP worker while it waits.
"""


def request_render_slots(workers):
    """Renders allowed at once in HTTP requests: None for no limit (threaded server, each
    request its own thread), else one fewer than the HTTP workers (0 with a single worker)."""
    if not workers or workers <= 0:
        return None
    return workers - 1
