"""Fapiao periods (开票期间): calendar months, each named by its first day.

A clearing of scope "period" covers one month; the filing deadline of a month falls in the next.
Works on `date` and `datetime` alike (the time of a datetime is kept).
"""

import calendar


def month_start(day, months=0):
    """First day of the month of `day`, or of the month `months` later (earlier when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def month_end(day):
    """Last day of the month of `day`."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_bounds(day):
    """(first day, last day) of the month of `day`."""
    return month_start(day), month_end(day)


def month_starts(first, before):
    """First days of the months from the month of `first` up to, excluding, `before`."""
    current, result = month_start(first), []
    while current < before:
        result.append(current)
        current = month_start(current, 1)
    return result
