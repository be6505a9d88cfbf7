"""Pure tests of the month arithmetic of fapiao periods."""

from datetime import date, datetime

from ..tools.periods import month_bounds, month_end, month_start, month_starts
from .tools_case import ToolsCase, parametrize


class TestPeriods(ToolsCase):
    """Calendar months: first and last days, shifts across years, lists of months."""

    @parametrize(
        ("day", "months", "expected"),
        [
            (date(2026, 10, 15), 0, date(2026, 10, 1)),
            (date(2026, 10, 1), 0, date(2026, 10, 1)),
            (date(2026, 10, 31), 1, date(2026, 11, 1)),
            (date(2026, 12, 31), 1, date(2027, 1, 1)),  # over the year end
            (date(2026, 1, 31), -1, date(2025, 12, 1)),
            (date(2026, 3, 31), -1, date(2026, 2, 1)),  # no 31 February on the way
            (date(2026, 10, 15), -2, date(2026, 8, 1)),
            (date(2026, 10, 15), -22, date(2024, 12, 1)),
            (date(2026, 10, 15), 15, date(2028, 1, 1)),
        ],
    )
    def test_month_start(self, day, months, expected):
        assert month_start(day, months) == expected

    @parametrize(
        ("day", "expected"),
        [
            (date(2026, 10, 1), date(2026, 10, 31)),
            (date(2026, 11, 30), date(2026, 11, 30)),
            (date(2026, 2, 10), date(2026, 2, 28)),
            (date(2028, 2, 10), date(2028, 2, 29)),  # leap year
            (date(2100, 2, 1), date(2100, 2, 28)),  # no leap year: divisible by 100
            (date(2026, 12, 25), date(2026, 12, 31)),
        ],
    )
    def test_month_end(self, day, expected):
        assert month_end(day) == expected

    def test_datetimes_keep_their_time(self):
        moment = datetime(2026, 10, 15, 10, 30)
        assert month_start(moment) == datetime(2026, 10, 1, 10, 30)
        assert month_end(moment) == datetime(2026, 10, 31, 10, 30)

    def test_month_bounds(self):
        assert month_bounds(date(2026, 9, 17)) == (date(2026, 9, 1), date(2026, 9, 30))
        assert month_bounds(date(2028, 2, 29)) == (date(2028, 2, 1), date(2028, 2, 29))

    @parametrize(
        ("first", "before", "expected"),
        [
            (date(2026, 10, 1), date(2026, 10, 1), []),
            (date(2026, 10, 1), date(2026, 9, 1), []),
            (date(2026, 10, 1), date(2026, 10, 2), [date(2026, 10, 1)]),
            (date(2026, 10, 17), date(2026, 11, 1), [date(2026, 10, 1)]),  # any day: its month
            (
                date(2026, 11, 30),
                date(2027, 2, 1),
                [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)],
            ),
        ],
    )
    def test_month_starts(self, first, before, expected):
        assert month_starts(first, before) == expected
