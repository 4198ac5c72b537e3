"""Internal consistency of the bilan page: its figures against each other (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

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

if TYPE_CHECKING:
    from wikibilan.checks import Snapshot

# Internal check -> the published claim it is about (for claim_history).
SUBJECT: dict[str, str] = {
    "internal:temps_forts_parts": "temps_forts",
    "internal:expenses_total": "expenses_total",
    "internal:balance": "balance",
    "internal:balance_estimate": "balance_estimate",
    "internal:initiated_product": "people_initiated",
    "internal:mean_grim": "mean_participants",
    "internal:loomio_decisions": "loomio_decisions",
    "internal:period_months": "period_months",
}


@dataclass(frozen=True, slots=True)
class InternalClaim:
    """The claim an internal check is about, shaped like a claims row."""

    claim_id: str
    revid: int
    text: str
    qualifier: str


InternalResults = dict[int, list[tuple[InternalClaim, Outcome]]]


def internal_by_revision(claims: pd.DataFrame, snapshot: Snapshot) -> InternalResults:
    """Every internal check of every bilan revision, revisions in time order."""
    revs = claims[["revid", "timestamp"]].drop_duplicates().sort_values(["timestamp", "revid"])
    return {int(r): internal_checks(claims, snapshot, int(r)) for r in revs["revid"].tolist()}


def internal_checks(
    claims: pd.DataFrame, snapshot: Snapshot, revid: int
) -> list[tuple[InternalClaim, Outcome]]:
    """Run every internal check on bilan revision ``revid``."""
    rev = claims[claims["revid"] == revid]
    value = {str(c): v for c, v in zip(rev["claim_id"], rev["value"], strict=True)}
    text = {str(c): str(t) for c, t in zip(rev["claim_id"], rev["text"], strict=True)}
    qual = {str(c): str(q) for c, q in zip(rev["claim_id"], rev["qualifier"], strict=True)}
    facts = snapshot.facts.get(revid)
    out: list[tuple[InternalClaim, Outcome]] = []

    def add(check_id: str, outcome: Outcome) -> None:
        subject = SUBJECT[check_id]
        out.append(
            (
                InternalClaim(check_id, revid, text.get(subject, ""), qual.get(subject, "exact")),
                outcome,
            )
        )

    if "temps_forts" in value and facts and facts.parts:
        total = sum(n for _, n in facts.parts)
        shown = " + ".join(str(n) for _, n in facts.parts)
        add(
            "internal:temps_forts_parts",
            judge(
                value["temps_forts"],
                Decimal(total),
                "exact",
                method=f"the parts listed under Réunions: {shown} = {total} "
                f"({'; '.join(p for p, _ in facts.parts)})",
            ),
        )
    exp = snapshot.expenses
    exp = exp[exp["revid"] == revid] if not exp.empty else exp
    if "expenses_total" in value and not exp.empty:
        lines = list(exp["amount_eur"])
        add(
            "internal:expenses_total",
            judge(
                value["expenses_total"],
                sum(lines, Decimal(0)),
                "exact",
                method=f"sum of the expense lines: {' + '.join(fmt(x) for x in lines)}",
            ),
        )
    if "allocation" in value and "expenses_total" in value:
        left = value["allocation"] - value["expenses_total"]
        how = f"allocation {fmt(value['allocation'])} − TOTAL {fmt(value['expenses_total'])}"
        if "balance" in value:
            add("internal:balance", judge(value["balance"], left, "exact", method=how))
        if "balance_estimate" in value:
            add(
                "internal:balance_estimate",
                judge(value["balance_estimate"], left, "approx", method=how),
            )
    if {"initiation_workshops", "initiation_mean_participants", "people_initiated"} <= set(value):
        add("internal:initiated_product", _product(value))
    if "mean_participants" in value and "temps_forts" in value:
        add("internal:mean_grim", grim(value["mean_participants"], int(value["temps_forts"])))
    for claim_id in ("loomio_decisions",):
        if claim_id in value and facts and claim_id in facts.listed:
            add(
                f"internal:{claim_id}",
                judge(
                    value[claim_id],
                    Decimal(facts.listed[claim_id]),
                    qual[claim_id],
                    method="the items listed with the figure on the bilan page",
                    text=text[claim_id],
                ),
            )
    if "period_months" in value and facts and facts.period_start and facts.period_end:
        (y0, m0), (y1, m1) = facts.period_start, facts.period_end
        months = (y1 - y0) * 12 + m1 - m0
        add(
            "internal:period_months",
            judge(
                value["period_months"],
                Decimal(months),
                "exact",
                method=f"from {y0}-{m0:02d} to {y1}-{m1:02d}, the first and last dated bullets",
            ),
        )
    return out


def _product(value: dict[str, Decimal]) -> Outcome:
    n, mean, people = (
        value["initiation_workshops"],
        value["initiation_mean_participants"],
        value["people_initiated"],
    )
    product = n * mean
    outcome = judge(
        people,
        product,
        "approx",
        method=f"{fmt(n)} workshops × {fmt(mean)} participants = {fmt(product)}",
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
