"""Published claims + frames -> verdicts with evidence (pure; docs/CHECKS.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from wikibilan.config import BILAN_TITLE as BILAN_PAGE
from wikibilan.extract.claims import BilanFacts
from wikibilan.extract.french import strip_accents
from wikibilan.frames import SCHEMAS, make_frame
from wikibilan.internal import InternalClaim, InternalResults, internal_by_revision
from wikibilan.verdicts import Outcome, fmt, judge, not_checkable

CHECK_COLUMNS = list(SCHEMAS["checks"])
# Recomputed values, bounds and gaps are given to the cent (a mean of 11.769… as
# 11.77); the verdict was judged on the exact value.
CENT = Decimal("0.01")

NOT_CHECKABLE: dict[str, str] = {
    "share_in_commons": "the wiki records nobody's involvement in a commons",
    "local_partners": "the wiki holds no list of local partners to count",
    "allocation": "the grant is recorded only by the bilan's own sentence",
}
ONLINE_REASON = "a count of followers or members on an external network, not kept on the wiki"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The frames of the wiki as it stood at ``as_of``."""

    as_of: datetime
    events: pd.DataFrame
    attendance: pd.DataFrame
    workshops: pd.DataFrame
    pages: pd.DataFrame
    expenses: pd.DataFrame
    facts: Mapping[int, BilanFacts] = field(default_factory=dict)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)


def _evidence(df: pd.DataFrame) -> str:
    pairs = sorted({(str(p), int(r)) for p, r in zip(df["page"], df["revid"], strict=True)})
    return "; ".join(f"{p}@{r}" for p, r in pairs)


# The kinds of gathering the bilan counts as "temps forts" (its own breakdown:
# meetings, the 48h, assemblies, Tournai, the Roumics, coworking days). Visits,
# workshops and the 2019 relaunch meetings are events, not temps forts.
TEMPS_FORTS_KINDS = frozenset(
    {"founding_meeting", "contribution_48h", "assembly", "tournai", "roumics", "coworking"}
)


def _events_upto(s: Snapshot, kinds: frozenset[str] = TEMPS_FORTS_KINDS) -> pd.DataFrame:
    ev = s.events
    ev = ev[ev["kind"].isin(kinds)]
    return ev[ev["date_start"].notna() & (ev["date_start"] <= _naive(s.as_of))]


def _naive(ts: datetime) -> pd.Timestamp:
    return pd.Timestamp(ts).tz_convert(None) if pd.Timestamp(ts).tzinfo else pd.Timestamp(ts)


def _count_kind(kind: str, since: str | None = None, until: str | None = None) -> Recompute:
    def run(s: Snapshot) -> tuple[Decimal | None, str, str]:
        ev = _events_upto(s)
        ev = ev[ev["kind"] == kind]
        if since:
            ev = ev[ev["date_start"] >= pd.Timestamp(since)]
        if until:
            ev = ev[ev["date_start"] <= pd.Timestamp(until)]
        bounds = f" from {since}" if since else ""
        bounds += f" up to {until}" if until else " up to the claim date"
        return Decimal(len(ev)), f"events of kind {kind}{bounds}", _evidence(ev)

    return run


Recompute = Callable[[Snapshot], tuple[Decimal | None, str, str]]


def _temps_forts(s: Snapshot) -> tuple[Decimal | None, str, str]:
    ev = _events_upto(s)
    return Decimal(len(ev)), "every temps fort dated up to the claim date", _evidence(ev)


def _period(s: Snapshot) -> tuple[Decimal | None, str, str]:
    ev = _events_upto(s)
    if ev.empty:
        return None, "no dated event", ""
    first = ev["date_start"].min()
    months = (s.as_of.year - first.year) * 12 + s.as_of.month - first.month
    return Decimal(months), f"months from the first event ({first:%Y-%m}) to the claim date", ""


def _counted(s: Snapshot) -> pd.DataFrame:
    ev = _events_upto(s)
    return ev[ev["participants_basis"].isin(["listed", "stated"])]


def _mean_participants(s: Snapshot) -> tuple[Decimal | None, str, str]:
    ev = _counted(s)
    if ev.empty:
        return None, "no event with a participant count", ""
    total, n = int(ev["n_participants"].sum()), len(ev)
    mean = Decimal(total) / Decimal(n)
    return (
        mean,
        f"{total} participants over {n} events with a listed or stated count",
        _evidence(ev),
    )


def _initiations(s: Snapshot) -> pd.DataFrame:
    ws = s.workshops
    ws = ws[ws["is_initiation"].fillna(False).astype(bool)]
    event_dates = dict(zip(s.events["event_id"], s.events["date_start"], strict=True))
    when = ws["date"].where(ws["date"].notna(), ws["event_id"].map(event_dates))
    ws = ws.assign(_when=when)
    ws = ws[ws["_when"].notna() & (ws["_when"] <= _naive(s.as_of))]
    key = ws["event_id"].where(ws["event_id"].fillna("") != "", ws["_when"].astype(str))
    return ws.assign(_key=key).drop_duplicates("_key")


def _n_initiations(s: Snapshot) -> tuple[Decimal | None, str, str]:
    ws = _initiations(s)
    return Decimal(len(ws)), "initiation workshops held up to the claim date", _evidence(ws)


def _initiation_people(mean: bool) -> Recompute:
    def run(s: Snapshot) -> tuple[Decimal | None, str, str]:
        ws = _initiations(s)
        stated = ws[ws["n_participants"].notna()]
        if stated.empty:
            return None, "no initiation workshop states its participants", ""
        total = int(stated["n_participants"].sum())
        if mean:
            value = Decimal(total) / Decimal(len(stated))
            return (
                value,
                f"{total} participants over {len(stated)} initiation workshops",
                _evidence(stated),
            )
        return (
            Decimal(total),
            f"sum of participants of {len(stated)} initiation workshops",
            _evidence(stated),
        )

    return run


def _wiki_pages(s: Snapshot) -> tuple[Decimal | None, str, str]:
    pg = s.pages
    pg = pg[pg["first_rev_at"] <= pd.Timestamp(s.as_of)]
    return Decimal(len(pg)), "pages of the selection created up to the claim date", ""


def _present(s: Snapshot) -> pd.DataFrame:
    ev = _events_upto(s)
    at = s.attendance[s.attendance["role"] == "present"]
    return at.merge(ev[["event_id", "kind", "date_start"]], on="event_id")


def _people_total(s: Snapshot) -> tuple[Decimal | None, str, str]:
    at = _present(s)
    return Decimal(at["name_key"].nunique()), "distinct people listed as present", _evidence(at)


def _members(s: Snapshot) -> tuple[Decimal | None, str, str]:
    at = _present(s)
    since = _naive(s.as_of - timedelta(days=365))
    at = at[at["kind"].isin(["assembly", "coworking"]) & (at["date_start"] > since)]
    per_person = at.groupby("name_key")["event_id"].nunique()
    members = per_person[per_person >= 2]
    return (
        Decimal(len(members)),
        (
            "people present at 2 or more assemblies or coworking days in the 12 months "
            "before the claim date"
        ),
        _evidence(at[at["name_key"].isin(members.index)]),
    )


def _themes(s: Snapshot) -> tuple[Decimal | None, str, str]:
    ws = s.workshops
    keys = {" ".join(strip_accents(str(t)).lower().split()) for t in ws["theme"]}
    return Decimal(len(keys)), "distinct workshop themes (case and accents ignored)", _evidence(ws)


def _participants_range(s: Snapshot) -> tuple[Decimal | None, Decimal | None, str, str]:
    ev = _counted(s)
    if ev.empty:
        return None, None, "no event with a participant count", ""
    return (
        Decimal(int(ev["n_participants"].min())),
        Decimal(int(ev["n_participants"].max())),
        "smallest and largest count over events with a listed or stated count",
        _evidence(ev),
    )


RECOMPUTE: dict[str, Recompute] = {
    "founding_meetings": _count_kind("founding_meeting", until="2017-02-23"),
    "assemblies": _count_kind("assembly", since="2017-01-01"),
    "coworking_days": _count_kind("coworking"),
    "temps_forts": _temps_forts,
    "period_months": _period,
    "mean_participants": _mean_participants,
    "initiation_workshops": _n_initiations,
    "initiation_mean_participants": _initiation_people(mean=True),
    "people_initiated": _initiation_people(mean=False),
    "wiki_pages": _wiki_pages,
    "members": _members,
    "people_total": _people_total,
    "workshop_themes": _themes,
}


def check_claims(
    claims: pd.DataFrame,
    snapshot: Snapshot,
    revid: int,
    internal: InternalResults | None = None,
) -> pd.DataFrame:
    """Verdicts for the claims of bilan revision ``revid`` against a snapshot.

    ``internal`` is ``internal_by_revision(claims, snapshot)`` when the caller
    already has it (the pipeline also needs it for the claim history).
    """
    if internal is None:
        internal = internal_by_revision(claims, snapshot)
    rows: list[dict[str, object]] = []
    latest = claims[claims["revid"] == revid]
    for claim in latest.itertuples(index=False):
        outcome = _data_outcome(str(claim.claim_id), claim, snapshot)
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


def empty_checks() -> pd.DataFrame:
    """The checks frame with no row (no bilan, or no checks asked for), typed all the same."""
    return make_frame("checks", [])


def _data_outcome(cid: str, claim: Any, s: Snapshot) -> Outcome | None:
    value = claim.value
    qualifier = str(claim.qualifier)
    text = str(claim.text)
    if cid in NOT_CHECKABLE:
        return not_checkable(NOT_CHECKABLE[cid])
    if cid.startswith("online:"):
        return not_checkable(ONLINE_REASON)
    if cid == "participants_range":
        low, high, method, evidence = _participants_range(s)
        if low is None or high is None:
            return not_checkable(method)
        return judge(
            value,
            None,
            "range",
            method=method,
            evidence=evidence,
            published_range=(claim.low, claim.high),
            recomputed_range=(low, high),
        )
    bilan = _from_bilan(cid, claim, s)
    if bilan is not None:
        return bilan
    fn = RECOMPUTE.get(cid)
    if fn is None:
        return None
    recomputed, method, evidence = fn(s)
    if recomputed is None:
        return not_checkable(method)
    return judge(value, recomputed, qualifier, method=method, evidence=evidence, text=text)


def _from_bilan(cid: str, claim: Any, s: Snapshot) -> Outcome | None:
    """Figures whose data is on the bilan page itself: expense lines and listed items."""
    revid = int(claim.revid)
    value = claim.value
    evidence = f"{BILAN_PAGE}@{revid}"
    if cid in ("expenses_total", "balance"):
        exp = s.expenses[s.expenses["revid"] == revid] if not s.expenses.empty else s.expenses
        if exp.empty:
            return not_checkable("the bilan lists no expense line")
        total = sum(exp["amount_eur"], Decimal(0))
        if cid == "expenses_total":
            return judge(
                value,
                total,
                "exact",
                evidence=evidence,
                method=f"sum of the {len(exp)} expense lines of the bilan",
            )
        allocation = _claim_value(s, revid, "allocation")
        if allocation is None:
            return not_checkable("the bilan states no allocation to subtract the expenses from")
        return judge(
            value,
            allocation - total,
            "exact",
            evidence=evidence,
            method="the allocation minus the sum of the expense lines",
        )
    if cid in ("loomio_decisions", "events_contributed"):
        facts = s.facts.get(revid)
        if facts is None or cid not in facts.listed:
            return not_checkable("the bilan lists no items next to this figure")
        return judge(
            value,
            Decimal(facts.listed[cid]),
            str(claim.qualifier),
            evidence=evidence,
            text=str(claim.text),
            method="the items the bilan lists with this figure",
        )
    return None


def _claim_value(s: Snapshot, revid: int, claim_id: str) -> Decimal | None:
    c = s.claims
    if c.empty:
        return None
    found = c[(c["revid"] == revid) & (c["claim_id"] == claim_id)]["value"]
    return found.iloc[0] if len(found) else None


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
