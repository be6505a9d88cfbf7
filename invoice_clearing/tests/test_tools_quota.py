"""Pure tests of the invoicing quota (授信额度) arithmetic."""

from ..tools import quota
from .tools_case import ToolsCase, parametrize


class TestQuota(ToolsCase):
    """Remaining amount, usage percent, alert levels and the threshold parameter."""

    @parametrize(
        ("granted", "used", "expected"),
        [
            (1000.0, 0.0, 1000.0),
            (1000.0, 250.5, 749.5),
            (1000.0, 1000.0, 0.0),
            (1000.0, 1200.0, 0.0),  # beyond the quota: nothing left, never negative
            (0.0, 0.0, 0.0),
            (1000.0, -50.0, 1050.0),  # red-letter of the month gave quota back
        ],
    )
    def test_remaining(self, granted, used, expected):
        assert quota.remaining(granted, used) == expected

    @parametrize(
        ("granted", "used", "expected"),
        [
            (1000.0, 0.0, 0.0),
            (1000.0, 800.0, 80.0),
            (1000.0, 333.33, 33.33),
            (1000.0, 1500.0, 150.0),
            (1000.0, -10.0, 0.0),
            (0.0, 0.0, 0.0),
            (0.0, 1.0, 100.0),  # nothing granted: any use exhausts it
        ],
    )
    def test_usage_percent(self, granted, used, expected):
        assert quota.usage_percent(granted, used) == expected

    @parametrize(
        ("percent", "threshold", "expected"),
        [
            (0.0, 80.0, "none"),
            (79.99, 80.0, "none"),
            (80.0, 80.0, "warning"),
            (99.99, 80.0, "warning"),
            (100.0, 80.0, "exhausted"),
            (140.0, 80.0, "exhausted"),
            (50.0, 50.0, "warning"),
            (100.0, 100.0, "exhausted"),
        ],
    )
    def test_alert_level(self, percent, threshold, expected):
        assert quota.alert_level(percent, threshold) == expected

    def test_levels_are_ordered(self):
        assert quota.is_higher("warning", "none")
        assert quota.is_higher("exhausted", "warning")
        assert not quota.is_higher("warning", "warning")
        assert not quota.is_higher("warning", "exhausted")

    @parametrize(
        ("text", "expected"),
        [("80", 80.0), ("90.5", 90.5), (" 75% ", 75.0), ("", 80.0), (None, 80.0),
         ("abc", 80.0), ("0", 80.0), ("120", 80.0), ("100", 100.0)],
    )  # fmt: skip
    def test_parse_percent(self, text, expected):
        assert quota.parse_percent(text) == expected
