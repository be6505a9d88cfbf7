"""Pure tests of which dates a company's clearings close to new fapiao."""

from datetime import date

from ..tools.cleared_periods import (
    READ_STATES,
    Clearing,
    closes,
    closing_clearings,
    covering,
    period_label,
)
from .tools_case import ToolsCase, parametrize

OCT = Clearing(1, "QK/2026/10/0001", "period", date(2026, 10, 1), date(2026, 10, 31), "cleared", 7)
RANGE = Clearing(2, "QK/2026/11/0001", "date", date(2026, 11, 1), date(2026, 11, 15), "cleared", 7)
NUMBERS = Clearing(3, "QK/2026/11/0002", "number", None, date(2026, 11, 30), "cleared", 7)


class TestClearedPeriods(ToolsCase):
    """Whole periods close every date up to their end, ranges their range, numbers no date."""

    @parametrize(
        ("clearing", "day", "expected"),
        [
            (OCT, date(2026, 10, 31), True),
            (OCT, date(2026, 10, 1), True),
            (OCT, date(2026, 8, 15), True),  # a whole period closes every earlier date
            (OCT, date(2026, 11, 1), False),
            (RANGE, date(2026, 11, 1), True),
            (RANGE, date(2026, 11, 15), True),
            (RANGE, date(2026, 10, 31), False),  # before the range: open
            (RANGE, date(2026, 11, 16), False),
            (NUMBERS, date(2026, 11, 10), False),  # only its own (frozen) fapiao
        ],
    )
    def test_closes(self, clearing, day, expected):
        assert closes(clearing, day) is expected

    def test_only_cleared_clearings_close(self):
        rows = [
            OCT,
            OCT._replace(id=4, state="draft"),
            OCT._replace(id=5, state="to_approve"),
            OCT._replace(id=6, state="cancelled"),  # reopened (or a cancelled draft)
            NUMBERS,
        ]
        assert closing_clearings(rows) == [OCT]
        # What the database is asked for: a draft read adds nothing to a cleared one.
        assert READ_STATES == ("cleared", "cancelled")

    @parametrize(
        ("own", "fresh", "closing"),
        [
            ("draft", "cleared", True),  # cleared by another session after this snapshot
            ("cleared", "draft", True),  # cleared in this transaction, not committed yet
            ("cleared", "cancelled", False),  # reopened by another session since
            ("cancelled", "cleared", False),  # reopened in this transaction
            ("cleared", None, True),  # not committed at all yet
            (None, "cleared", True),  # created and cleared after this snapshot
            ("cancelled", "cancelled", False),
        ],
    )
    def test_latest_state_of_two_reads(self, own, fresh, closing):
        reads = [[OCT._replace(state=state)] if state else [] for state in (own, fresh)]
        assert closing_clearings(*reads) == ([OCT] if closing else [])

    def test_tuples_as_read_and_order(self):
        later = tuple(OCT._replace(id=9, name="QK/2026/12/0001", date_to=date(2026, 12, 31)))
        assert [c.id for c in closing_clearings([later, tuple(OCT), tuple(RANGE)])] == [1, 2, 9]

    def test_covering_names_every_clearing_closing_the_day(self):
        later = OCT._replace(id=9, date_to=date(2026, 11, 30))
        clearings = closing_clearings([later, OCT, RANGE])
        assert covering(clearings, date(2026, 10, 5)) == [OCT, later]
        assert covering(clearings, date(2026, 11, 5)) == [RANGE, later]
        assert covering(clearings, date(2026, 12, 1)) == []

    @parametrize(
        ("clearing", "day", "label"),
        [
            (OCT, date(2026, 10, 10), "2026-10"),
            (OCT, date(2026, 8, 10), "2026-08"),
            (
                OCT._replace(date_to=date(2026, 10, 20)),
                date(2026, 10, 10),
                "2026-10-01 – 2026-10-20",
            ),
            (RANGE, date(2026, 11, 3), "2026-11-01 – 2026-11-15"),
            (RANGE._replace(date_to=date(2026, 11, 30)), date(2026, 11, 3), "2026-11"),
        ],
    )
    def test_period_label(self, clearing, day, label):
        assert period_label(clearing, day) == label
