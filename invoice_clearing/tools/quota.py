"""The invoicing quota (授信额度) arithmetic: remaining amount, usage percent, alert level.

The platform grants a monthly quota in 价税合计; what the month's fapiao used is summed by the
database (see invoice.clearing.quota). These rules only turn the two amounts into what users see
and what raises an alert, so they are tested without a database.
"""

# Alert levels, in order: a higher level is never announced twice, a lower one never after it.
LEVEL_NONE, LEVEL_WARNING, LEVEL_EXHAUSTED = "none", "warning", "exhausted"
LEVELS = (LEVEL_NONE, LEVEL_WARNING, LEVEL_EXHAUSTED)
DEFAULT_WARNING_PERCENT = 80.0


def remaining(granted, used):
    """可用剩余额度: what is left of the granted amount, never below zero."""
    return round(max(granted - used, 0.0), 2)


def usage_percent(granted, used):
    """Share of the quota used, in percent (may exceed 100 when issued beyond the quota).

    Without a granted amount, any use counts as 100 % (nothing may be issued), none as 0 %.
    """
    if granted <= 0:
        return 100.0 if used > 0 else 0.0
    return round(max(used, 0.0) * 100.0 / granted, 2)


def alert_level(percent, warning_percent=DEFAULT_WARNING_PERCENT):
    """The level reached: exhausted at 100 %, warning from `warning_percent`, else none."""
    if percent >= 100.0:
        return LEVEL_EXHAUSTED
    if percent >= warning_percent:
        return LEVEL_WARNING
    return LEVEL_NONE


def is_higher(level, than):
    """Whether `level` is above `than` (an alert to announce)."""
    return LEVELS.index(level) > LEVELS.index(than)


def parse_percent(text, default=DEFAULT_WARNING_PERCENT):
    """The warning threshold of a system parameter: a number in (0, 100], else `default`."""
    try:
        value = float(str(text).strip().rstrip("%"))
    except (TypeError, ValueError):
        return default
    return value if 0 < value <= 100 else default
