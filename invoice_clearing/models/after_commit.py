"""What the approval leaves to after its commit: rendering the certificate, building the archive
package. Both must hold no lock while they run (wkhtmltopdf fetches its CSS over HTTP from the
same Odoo), so both are queued the same way: the clearing's id under a key of the cursor's
post-commit data, one callback per transaction that runs each on a new cursor, and a cron
trigger as the fallback should the worker die first.
"""

from odoo import api, fields
from odoo.http import request
from odoo.tools import config

from ..tools.render_slots import request_render_slots


def queue(model, clearing, key, handler, cron, delay, logger, what):
    """Call ``model.<handler>(clearings, slots)`` for `clearing` on a new cursor once the current
    transaction has committed (`slots`: the render slots of an HTTP request, None in a cron
    worker, which takes no HTTP worker), and trigger `cron` after `delay` as the fallback.
    `what` names the work in the log line of a failure ("Certificate", "Archive")."""
    cr = model.env.cr
    pending = cr.postcommit.data.setdefault(key, [])
    if not pending:
        registry, uid, context = model.env.registry, model.env.uid, dict(model.env.context)
        name = model._name
        slots = request_render_slots(config["workers"]) if request else None

        @cr.postcommit.add
        def run_after_commit():
            for clearing_id in dict.fromkeys(pending):
                try:
                    with registry.cursor() as new_cr:
                        env = api.Environment(new_cr, uid, context)
                        clearings = env["invoice.clearing"].browse(clearing_id)
                        getattr(env[name], handler)(clearings, slots)
                except Exception:  # the clearing is committed: the cron does it later
                    logger.exception(
                        "%s of clearing id %s not made after its commit; the cron will make it",
                        what, clearing_id,
                    )  # fmt: skip

        model.env.ref(cron).sudo()._trigger(fields.Datetime.now() + delay)  # sudo: crons
    pending.append(clearing.id)
