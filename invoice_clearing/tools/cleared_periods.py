"""Cleared periods (已清卡期间): which dates a company's clearings close to new fapiao.

A cleared whole-period clearing (全部清卡) closes every date up to its end date; a cleared
date-range clearing (按日期清卡) closes its range; a number clearing (按发票号码清卡) closes no
date (its fapiao are frozen, and a number is registered once). A reopened clearing closes
nothing: the period admits fapiao again until it is cleared again.
"""

from collections import namedtuple

from .periods import month_bounds

# One clearing as read from the database.
Clearing = namedtuple("Clearing", "id name scope date_from date_to state company_id")

# A clearing's life only moves forward: prepared, cleared, then reopened (cancelled) or never.
_STATE_RANK = {"draft": 0, "to_approve": 0, "cleared": 1, "cancelled": 2}
# The states a read needs: a clearing in none of them closes nothing, whatever another read says.
READ_STATES = tuple(state for state, rank in _STATE_RANK.items() if rank)
CLOSING_SCOPES = ("period", "date")


def closing_clearings(*reads):
    """The clearings that close dates now, from several reads of the same rows.

    Each read is an iterable of `Clearing` (or tuples in its order). A read made in this
    transaction sees its own uncommitted changes, a fresh read sees what others committed
    since: as a clearing's state only moves forward, its latest state is the furthest one read.
    """
    latest = {}
    for read in reads:
        for values in read:
            row = Clearing(*values)
            known = latest.get(row.id)
            if known is None or _STATE_RANK.get(row.state, 0) > _STATE_RANK.get(known.state, 0):
                latest[row.id] = row
    return sorted(
        (c for c in latest.values() if c.state == "cleared" and c.scope in CLOSING_SCOPES),
        key=lambda c: (c.date_to, c.id),
    )


def closes(clearing, day):
    """Whether cleared `clearing` closes date `day`."""
    if clearing.scope == "period":
        return day <= clearing.date_to
    if clearing.scope == "date":
        return (clearing.date_from is None or clearing.date_from <= day) and day <= clearing.date_to
    return False


def covering(clearings, day):
    """The clearings among `clearings` that close `day`, the earliest end first."""
    return [c for c in clearings if closes(c, day)]


def period_label(clearing, day):
    """The closed part of the month of `day` that `clearing` covers, for a message: the month
    ("2026-10") when it is closed whole, else its first and last closed days."""
    first, last = month_bounds(day)
    start = (
        max(first, clearing.date_from) if clearing.scope == "date" and clearing.date_from else first
    )
    end = min(last, clearing.date_to)
    if (start, end) == (first, last):
        return day.strftime("%Y-%m")
    return f"{start} – {end}"
