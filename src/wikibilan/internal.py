"""Internal consistency of the bilan page: its figures against each other (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd

from wikibilan.recompute import Snapshot
from wikibilan.specs import InternalSpec, Registry
from wikibilan.verdicts import (
    CONTRADICTED,
    NOT_CHECKABLE,
    REPRODUCED,
    Outcome,
    decimals_of,
    fmt,
    judge,
    not_checkable,
)


@dataclass(frozen=True, slots=True)
class InternalClaim:
    """The claim an internal check is about, shaped like a claims row."""

    claim_id: str
    revid: int
    text: str
    qualifier: str


InternalResults = dict[int, list[tuple[InternalClaim, Outcome]]]


def internal_by_revision(
    claims: pd.DataFrame, snapshot: Snapshot, registry: Registry
) -> InternalResults:
    """Every internal check of every report revision, revisions in time order."""
    revs = claims[["revid", "timestamp"]].drop_duplicates().sort_values(["timestamp", "revid"])
    return {
        int(r): internal_checks(claims, snapshot, int(r), registry) for r in revs["revid"].tolist()
    }


@dataclass(frozen=True, slots=True)
class _Revision:
    """One report revision's figures, texts and qualifiers, by claim id."""

    revid: int
    value: dict[str, Decimal]
    text: dict[str, str]
    qual: dict[str, str]


def internal_checks(
    claims: pd.DataFrame, snapshot: Snapshot, revid: int, registry: Registry
) -> list[tuple[InternalClaim, Outcome]]:
    """Run every internal check of ``registry`` on report revision ``revid``."""
    rev = claims[claims["revid"] == revid]
    r = _Revision(
        revid,
        {str(c): v for c, v in zip(rev["claim_id"], rev["value"], strict=True)},
        {str(c): str(t) for c, t in zip(rev["claim_id"], rev["text"], strict=True)},
        {str(c): str(q) for c, q in zip(rev["claim_id"], rev["qualifier"], strict=True)},
    )
    out: list[tuple[InternalClaim, Outcome]] = []
    for spec in registry.internal:
        if spec.claim not in r.value or r.value[spec.claim] is None:
            continue
        outcome = CHECKS[spec.check](spec, r, snapshot)
        if outcome is not None:
            subject = InternalClaim(
                spec.check_id, revid, r.text.get(spec.claim, ""), r.qual.get(spec.claim, "exact")
            )
            out.append((subject, outcome))
    return out


def _parts_sum(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    facts = s.facts.get(r.revid)
    if not facts or not facts.parts:
        return None
    total = sum(n for _, n in facts.parts)
    shown = " + ".join(str(n) for _, n in facts.parts)
    return judge(
        r.value[spec.claim],
        Decimal(total),
        "exact",
        method=f"the parts listed under {spec.params.get('section', 'the list')}: "
        f"{shown} = {total} ({'; '.join(p for p, _ in facts.parts)})",
    )


def _lines_sum(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    exp = s.expenses
    exp = exp[exp["revid"] == r.revid] if not exp.empty else exp
    if exp.empty:
        return None
    lines = list(exp["amount_eur"])
    return judge(
        r.value[spec.claim],
        sum(lines, Decimal(0)),
        "exact",
        method=f"sum of the expense lines: {' + '.join(fmt(x) for x in lines)}",
    )


def _difference(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    a, b = str(spec.params["from"]), str(spec.params["minus"])
    if r.value.get(a) is None or r.value.get(b) is None:
        return None
    left = r.value[a] - r.value[b]
    how = f"{a} {fmt(r.value[a])} − {b} {fmt(r.value[b])}"
    qualifier = r.qual.get(spec.claim, "exact")
    return judge(
        r.value[spec.claim], left, "approx" if qualifier == "approx" else "exact", method=how
    )


def _product(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    factors = [str(f) for f in spec.params.get("factors", ())]
    if len(factors) != 2 or any(r.value.get(f) is None for f in factors):
        return None
    n, mean = r.value[factors[0]], r.value[factors[1]]
    people = r.value[spec.claim]
    product = n * mean
    outcome = judge(
        people,
        product,
        "approx",
        method=f"{fmt(n)} {factors[0]} × {fmt(mean)} {factors[1]} = {fmt(product)}",
    )
    if outcome.verdict == CONTRADICTED:
        lo = (n * Decimal("0.9")) * (mean - Decimal("0.5"))
        hi = (n * Decimal("1.1")) * (mean + Decimal("0.5"))
        note = (
            f"; under both figures' own qualifiers the product could lie between "
            f"{fmt(lo)} and {fmt(hi)}"
        )
        return replace(outcome, method=outcome.method + note)
    return outcome


def _grim(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    n = r.value.get(str(spec.params["n"]))
    return None if n is None else grim(r.value[spec.claim], int(n))


def _listed(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    facts = s.facts.get(r.revid)
    if not facts or spec.claim not in facts.listed:
        return None
    return judge(
        r.value[spec.claim],
        Decimal(facts.listed[spec.claim]),
        r.qual[spec.claim],
        method="the items listed with the figure on the report page",
        text=r.text[spec.claim],
    )


def _period(spec: InternalSpec, r: _Revision, s: Snapshot) -> Outcome | None:
    facts = s.facts.get(r.revid)
    if not facts or not facts.period_start or not facts.period_end:
        return None
    (y0, m0), (y1, m1) = facts.period_start, facts.period_end
    return judge(
        r.value[spec.claim],
        Decimal((y1 - y0) * 12 + m1 - m0),
        "exact",
        method=f"from {y0}-{m0:02d} to {y1}-{m1:02d}, the first and last dated bullets",
    )


CHECKS: dict[str, Callable[[InternalSpec, _Revision, Snapshot], Outcome | None]] = {
    "parts_sum": _parts_sum,
    "lines_sum": _lines_sum,
    "difference": _difference,
    "product": _product,
    "grim": _grim,
    "listed_items": _listed,
    "period": _period,
}


def grim(mean: Decimal, n: int) -> Outcome:
    """Can ``n`` whole-number counts have this mean at its published precision?"""
    places = decimals_of(mean)
    if n <= 0:
        return not_checkable("no number of events to divide by")
    if n >= 10**places:
        return Outcome(
            NOT_CHECKABLE,
            mean,
            None,
            f"{places} decimals",
            method=(
                f"GRIM not testable: with {n} events every mean at {places} "
                f"decimal(s) is reachable (n ≥ {10**places})"
            ),
        )
    step = Decimal(1).scaleb(-places)
    candidates = [Decimal(round(mean * n)) + d for d in (-1, 0, 1)]
    ok = any(abs(c / n - mean) <= step / 2 for c in candidates)
    return Outcome(
        REPRODUCED if ok else CONTRADICTED,
        mean,
        None,
        f"{places} decimals",
        method=f"GRIM: a total of whole people over {n} events "
        f"{'can' if ok else 'cannot'} give {fmt(mean)}",
    )
