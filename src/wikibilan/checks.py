"""Published claims + frames -> verdicts with evidence (pure; docs/CHECKS.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from wikibilan.frames import SCHEMAS, make_frame
from wikibilan.internal import InternalClaim, InternalResults, internal_by_revision
from wikibilan.recompute import ITEM_COLUMNS, Snapshot, counted_items, outcome_of
from wikibilan.specs import Registry
from wikibilan.verdicts import Outcome, fmt

CHECK_COLUMNS = list(SCHEMAS["checks"])
# Recomputed values, bounds and gaps are given to the cent (a mean of 11.769… as
# 11.77); the verdict was judged on the exact value.
CENT = Decimal("0.01")


def check_claims(
    claims: pd.DataFrame,
    snapshot: Snapshot,
    revid: int,
    registry: Registry,
    internal: InternalResults | None = None,
) -> pd.DataFrame:
    """Verdicts for the claims of report revision ``revid`` against a snapshot.

    Each claim is recomputed as its spec in ``registry`` says; ``internal`` is
    ``internal_by_revision(claims, snapshot, registry)`` when the caller already
    has it (the pipeline also needs it for the claim history).
    """
    if internal is None:
        internal = internal_by_revision(claims, snapshot, registry)
    rows: list[dict[str, object]] = []
    latest = claims[claims["revid"] == revid]
    for claim in latest.itertuples(index=False):
        spec = registry.claim(str(claim.claim_id))
        outcome = outcome_of(spec, claim, snapshot) if spec is not None else None
        if outcome is not None:
            rows.append(_row(claim, "data", snapshot.as_of, outcome))
    latest_internal: dict[str, tuple[InternalClaim, Outcome]] = {}
    for rid, results in internal.items():  # revisions in time order
        if rid > revid:
            continue
        # A figure the latest revision dropped is checked in the last revision stating it.
        for subject, outcome in results:
            latest_internal[subject.claim_id] = (subject, outcome)
    for check_id in sorted(latest_internal):
        subject, outcome = latest_internal[check_id]
        rows.append(_row(subject, "internal", snapshot.as_of, outcome))
    return make_frame("checks", rows)


COUNTED_COLUMNS = ["claim_id", *ITEM_COLUMNS, "counted"]


def counted_frame(
    claims: pd.DataFrame,
    then: Snapshot,
    revid: int,
    registry: Registry,
    now: Snapshot | None = None,
) -> pd.DataFrame:
    """What each data check of report revision ``revid`` counted, one row per item.

    ``then`` is the snapshot the checks read (``counted`` true). With ``now`` (the
    wiki's latest revisions, at the same claim date), the items the wiki records
    today but did not then are added with ``counted`` false: what a reader looks
    for when a count falls short.
    """
    parts: list[pd.DataFrame] = []
    for claim in claims[claims["revid"] == revid].itertuples(index=False):
        spec = registry.claim(str(claim.claim_id))
        if spec is None:
            continue
        counted = counted_items(spec, claim, then)
        if counted is None:
            continue
        claim_id = str(claim.claim_id)
        parts.append(counted.assign(claim_id=claim_id, counted=True))
        later = counted_items(spec, claim, now) if now is not None else None
        if later is not None and len(later):
            later = later[~later["key"].isin(set(counted["key"]))]
            parts.append(later.assign(claim_id=claim_id, counted=False))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COUNTED_COLUMNS)
    return pd.concat(parts, ignore_index=True)[COUNTED_COLUMNS]


def empty_checks() -> pd.DataFrame:
    """The checks frame with no row (no bilan, or no checks asked for), typed all the same."""
    return make_frame("checks", [])


def _row(claim: Any, check: str, as_of: datetime, o: Outcome) -> dict[str, object]:
    value = getattr(claim, "value", None)
    published = value if isinstance(value, Decimal) else o.published
    return {
        "claim_id": claim.claim_id, "check": check, "revid": claim.revid,
        "as_of": pd.Timestamp(as_of), "text": claim.text,
        "published": _number(published, exact=True),
        "published_text": _published_text(claim, published), "qualifier": claim.qualifier,
        "recomputed": _number(o.recomputed), "recomputed_low": _number(o.recomputed_low),
        "recomputed_high": _number(o.recomputed_high), "tolerance": o.tolerance,
        "low": _number(o.low), "high": _number(o.high), "gap": _number(o.gap),
        "verdict": o.verdict, "holds_by": o.holds_by, "method": o.method,
        "evidence": o.evidence,
    }  # fmt: skip


def _number(value: Decimal | None, *, exact: bool = False) -> float | None:
    if value is None:
        return None
    return float(value if exact else value.quantize(CENT, rounding=ROUND_HALF_UP))


def _published_text(claim: Any, published: Decimal | None) -> str:
    """The figure as published: ``13.5``, ``1022.66``, a range as ``3-21``."""
    low, high = getattr(claim, "low", None), getattr(claim, "high", None)
    if isinstance(low, Decimal) and isinstance(high, Decimal):
        return f"{fmt(low)}-{fmt(high)}"
    # Exactly as published (fmt would round 1/3 to two decimals).
    return format(published.normalize(), "f") if published is not None else ""
