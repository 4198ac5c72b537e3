"""Europe/Paris wall time <-> UTC, with the EU rules as a fallback (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_PARIS: ZoneInfo | None
try:
    _PARIS = ZoneInfo("Europe/Paris")
except (ZoneInfoNotFoundError, ValueError):  # no tz database: the EU rules below
    _PARIS = None


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _paris_offset_of_local(local: datetime) -> timedelta:
    """CET/CEST offset of a Paris wall time (EU rules since 1996)."""
    summer_start = datetime.combine(_last_sunday(local.year, 3), datetime.min.time()) + timedelta(
        hours=2
    )
    summer_end = datetime.combine(_last_sunday(local.year, 10), datetime.min.time()) + timedelta(
        hours=3
    )
    return timedelta(hours=2 if summer_start <= local < summer_end else 1)


def paris_to_utc(local: datetime, utc_offset: timedelta | None = None) -> datetime:
    """A naive Paris wall time as an aware UTC datetime (first of an ambiguous hour)."""
    if utc_offset is not None:
        return (local - utc_offset).replace(tzinfo=UTC)
    if _PARIS is not None:
        return local.replace(tzinfo=_PARIS).astimezone(UTC)
    return (local - _paris_offset_of_local(local)).replace(tzinfo=UTC)


def paris_local(moment: datetime) -> datetime:
    """An aware datetime as a naive Paris wall time."""
    if _PARIS is not None:
        return moment.astimezone(_PARIS).replace(tzinfo=None)
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    guess = utc + timedelta(hours=1)
    return utc + _paris_offset_of_local(guess)
