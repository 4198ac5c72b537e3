"""What the plots draw, read from the frames (pure; no matplotlib).

Figures as floats, the events with their counts, the expense lines, the
numeric checks, the bilan's date and the period the report covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from ..french import parse_decimal
from .links import parse_evidence

Frames = Mapping[str, pd.DataFrame]
# Margin around the report's period on a time axis.
PERIOD_MARGIN = pd.Timedelta(days=20)


def column(frames: Frames, frame: str, name: str) -> pd.Series:
    df = frames.get(frame)
    if df is None or name not in df.columns:
        return pd.Series([], dtype=object)
    return df[name]


def to_float(value: object) -> float | None:
    """Read a published or recomputed figure (``13.5``, ``13,5``, ``1 022,66 €``, ``1/3``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).replace("€", "").replace("%", "")
    numerator, slash, denominator = text.partition("/")
    if slash:
        num, den = parse_decimal(numerator), parse_decimal(denominator)
        return float(num) / float(den) if num is not None and den else None
    number = parse_decimal(text)
    return None if number is None else float(number)


def claim_measuring(frames: Frames, measure: str) -> str:
    """The id of the claim the profile recomputes with ``measure`` ("" when none)."""
    claims = frames.get("claims")
    if claims is None or "measure" not in claims.columns:
        return ""
    ids = claims.loc[claims["measure"] == measure, "claim_id"]
    return str(ids.iloc[0]) if len(ids) else ""


def published(frames: Frames, claim_id: str) -> tuple[float | None, float | None, float | None]:
    """Return the published (value, low, high) of a claim, from claims else from checks."""
    if not claim_id:
        return None, None, None
    claims = frames.get("claims")
    if claims is not None and {"claim_id", "value"} <= set(claims.columns) and len(claims):
        rows = claims[claims["claim_id"] == claim_id]
        if len(rows):
            if "revid" in rows.columns:
                rows = rows.sort_values("revid", kind="stable")
            last = rows.iloc[-1]
            return (to_float(last["value"]), to_float(last.get("low")), to_float(last.get("high")))
    check = check_row(frames, claim_id)
    if check is not None:
        low, high = to_float(check.get("low")), to_float(check.get("high"))
        if check.get("qualifier") == "range":
            return None, low, high
        return to_float(check.get("published")), None, None
    return None, None, None


def check_row(frames: Frames, claim_id: str) -> pd.Series | None:
    """The check of ``claim_id`` (None when there is none)."""
    checks = frames.get("checks")
    if not claim_id or checks is None or "claim_id" not in checks.columns:
        return None
    rows = checks[checks["claim_id"] == claim_id]
    return rows.iloc[-1] if len(rows) else None


def recomputed(frames: Frames, claim_id: str) -> tuple[float | None, float | None, float | None]:
    """Return the recomputed (value, low, high) of a claim's check."""
    row = check_row(frames, claim_id)
    if row is None:
        return None, None, None
    value, low, high = (to_float(row.get(k)) for k in ("recomputed", "recomputed_low",
                                                        "recomputed_high"))  # fmt: skip
    return value, low, high


def evidence_pages(frames: Frames, claim_id: str) -> set[str]:
    """The pages a check read (its evidence), by title."""
    row = check_row(frames, claim_id)
    if row is None or "evidence" not in row.index:
        return set()
    text = row["evidence"]
    return {title for title, _ in parse_evidence(str(text))} if isinstance(text, str) else set()


def utc(values: pd.Series) -> pd.Series:
    """Parse dates/timestamps to naive UTC datetime64 (matplotlib's native dates)."""
    parsed = pd.to_datetime(values, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def bilan_date(frames: Frames, as_of: datetime | None) -> pd.Timestamp | None:
    """The date the figures are checked at: ``as_of``, else the checks' own."""
    if as_of is not None:
        ts = pd.Timestamp(as_of)
        return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts
    stamps = utc(column(frames, "checks", "as_of")).dropna()
    return stamps.max() if len(stamps) else None


def period(dates: pd.Series, end: pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The time axis: the first date to the bilan's date (else the last date), with a margin."""
    shown = dates.dropna()
    if end is not None:
        shown = shown[shown <= end]
    last = end if end is not None else (shown.max() if len(shown) else pd.Timestamp("2000-01-01"))
    first = shown.min() if len(shown) else last - pd.Timedelta(days=365)
    return first - PERIOD_MARGIN, last + PERIOD_MARGIN


def numeric_checks(frames: Frames) -> pd.DataFrame:
    """Checks whose published and recomputed values are both numbers, with their labels."""
    checks = frames.get("checks")
    cols = {"claim_id", "published", "recomputed"}
    if checks is None or not cols <= set(checks.columns):
        return pd.DataFrame(
            columns=["claim_id", "label", "internal", "published", "recomputed", "verdict"]
        )
    pub = checks["published"].map(to_float)
    rec = checks["recomputed"].map(to_float)
    keep = pub.notna() & rec.notna()
    # The figures the latest bilan revision states, against the wiki's data (the internal
    # checks repeat them, or test them against each other).
    if "check" in checks.columns:
        keep &= checks["check"].astype(str) != "internal"
    if "revid" in checks.columns and checks["revid"].notna().any():
        keep &= checks["revid"] == checks["revid"].max()
    verdict = (
        checks["verdict"] if "verdict" in checks.columns else pd.Series("", index=checks.index)
    )
    ids = checks["claim_id"][keep].astype(str)
    return pd.DataFrame(
        {
            "claim_id": ids,
            "label": ids.map(lambda c: claim_label(frames, c)),
            "internal": ids.str.startswith("internal:"),
            "published": pub[keep].astype(float),
            "recomputed": rec[keep].astype(float),
            "verdict": verdict[keep].astype(str),
        }
    )


def claim_label(frames: Frames, claim_id: str) -> str:
    """A claim's label from the claims frame (its id when it has none)."""
    claims = frames.get("claims")
    base = claim_id.removeprefix("internal:")
    if claims is None or not {"claim_id", "label"} <= set(claims.columns):
        return claim_id
    labels = claims.loc[claims["claim_id"] == base, "label"].dropna()
    return str(labels.iloc[-1]) if len(labels) and str(labels.iloc[-1]) else claim_id


def events(frames: Frames) -> pd.DataFrame:
    """Dated events: date, kind, participants (n), where the count comes from, page."""
    df = frames.get("events")
    if df is None or "date_start" not in df.columns:
        return pd.DataFrame(columns=["date", "kind", "n", "basis", "page"])
    out = pd.DataFrame({"date": utc(df["date_start"])})
    for name, col, default in (
        ("kind", "kind", "other"), ("basis", "participants_basis", ""), ("page", "page", ""),
    ):  # fmt: skip
        values = df[col] if col in df.columns else pd.Series(default, df.index)
        out[name] = values.astype(object).where(values.notna(), default).astype(str)
    n = df["n_participants"] if "n_participants" in df.columns else None
    out["n"] = pd.to_numeric(n, errors="coerce") if n is not None else np.nan
    return out.dropna(subset=["date"])


def amounts(frames: Frames) -> pd.DataFrame:
    expenses = frames.get("expenses")
    if expenses is None or not {"label", "amount_eur"} <= set(expenses.columns):
        return pd.DataFrame(columns=["label", "amount"])
    out = pd.DataFrame(
        {"label": expenses["label"].astype(str), "amount": expenses["amount_eur"].map(to_float)}
    )
    return out.dropna(subset=["amount"])


def plain(text: object, width: int = 48) -> str:
    """Label text for matplotlib: shortened, and ``$`` kept out of mathtext."""
    s = " ".join(str(text).split())
    if len(s) > width:
        s = s[: width - 1] + "…"
    return s.replace("$", r"\$")
