"""The recomputation library: a published figure recomputed from the frames (pure).

A profile names, for each claim, one recomputation of :data:`RECOMPUTATIONS` and
its parameters (``kinds``, ``since``, ``until``, ``theme``, …). Each returns the
recomputed value, the method in words and the evidence (the pages and revisions
it read), or says why the figure cannot be checked. Nothing here knows one wiki.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from wikibilan.extract.claims import BilanFacts
from wikibilan.extract.vocabulary import DEFAULT_KIND
from wikibilan.french import strip_accents
from wikibilan.specs import ClaimSpec
from wikibilan.verdicts import Outcome, incomplete, judge, not_checkable


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The frames of the wiki as it stood at ``as_of``, and the report's own facts."""

    as_of: datetime
    events: pd.DataFrame
    attendance: pd.DataFrame
    workshops: pd.DataFrame
    pages: pd.DataFrame
    expenses: pd.DataFrame
    facts: Mapping[int, BilanFacts] = field(default_factory=dict)
    claims: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_title: str = ""


Params = Mapping[str, Any]
Result = tuple[Decimal | None, str, str]  # value, method, evidence


def evidence_of(df: pd.DataFrame) -> str:
    pairs = sorted({(str(p), int(r)) for p, r in zip(df["page"], df["revid"], strict=True)})
    return "; ".join(f"{p}@{r}" for p, r in pairs)


def _naive(ts: datetime) -> pd.Timestamp:
    return pd.Timestamp(ts).tz_convert(None) if pd.Timestamp(ts).tzinfo else pd.Timestamp(ts)


def events_upto(s: Snapshot, p: Params) -> pd.DataFrame:
    """Events of the kinds ``p["kinds"]`` (all when absent) dated up to the claim date."""
    ev = s.events
    if p.get("kinds"):
        ev = ev[ev["kind"].isin(list(p["kinds"]))]
    ev = ev[ev["date_start"].notna() & (ev["date_start"] <= _naive(s.as_of))]
    if p.get("since"):
        ev = ev[ev["date_start"] >= pd.Timestamp(str(p["since"]))]
    if p.get("until"):
        ev = ev[ev["date_start"] <= pd.Timestamp(str(p["until"]))]
    return ev


def _kinds(p: Params) -> str:
    kinds = list(p.get("kinds", ()))
    return f"events of kind {', '.join(kinds)}" if kinds else "events"


def count_events(s: Snapshot, p: Params) -> Result:
    ev = events_upto(s, p)
    bounds = f" from {p['since']}" if p.get("since") else ""
    bounds += f" up to {p['until']}" if p.get("until") else " up to the claim date"
    return Decimal(len(ev)), f"{_kinds(p)}{bounds}", evidence_of(ev)


def period_months(s: Snapshot, p: Params) -> Result:
    """Months from the first event to the claim date (``to = "last_event"``: to the last)."""
    ev = events_upto(s, p)
    if ev.empty:
        return None, "no dated event", ""
    first = ev["date_start"].min()
    if p.get("to") == "last_event":
        last = ev["date_start"].max()
        months = (last.year - first.year) * 12 + last.month - first.month
        return (
            Decimal(months),
            f"months from the first event ({first:%Y-%m}) to the last ({last:%Y-%m})",
            "",
        )
    months = (s.as_of.year - first.year) * 12 + s.as_of.month - first.month
    return Decimal(months), f"months from the first event ({first:%Y-%m}) to the claim date", ""


def _counted(s: Snapshot, p: Params) -> pd.DataFrame:
    ev = events_upto(s, p)
    return ev[ev["participants_basis"].isin(["listed", "stated"])]


def mean_participants(s: Snapshot, p: Params) -> Result:
    ev = _counted(s, p)
    if ev.empty:
        return None, "no event with a participant count", ""
    total, n = int(ev["n_participants"].sum()), len(ev)
    return (
        Decimal(total) / Decimal(n),
        f"{total} participants over {n} {_kinds(p)} with a listed or stated count",
        evidence_of(ev),
    )


def participants_range(s: Snapshot, p: Params) -> tuple[Decimal | None, Decimal | None, str, str]:
    ev = _counted(s, p)
    if ev.empty:
        return None, None, "no event with a participant count", ""
    return (
        Decimal(int(ev["n_participants"].min())),
        Decimal(int(ev["n_participants"].max())),
        f"smallest and largest count over {_kinds(p)} with a listed or stated count",
        evidence_of(ev),
    )


def _workshops(s: Snapshot, p: Params) -> pd.DataFrame:
    """Workshops held up to the claim date whose theme holds ``p["theme"]``, once per
    event (or per day when no event is known)."""
    ws = s.workshops
    theme = str(p.get("theme", "")).lower()
    if theme:
        ws = ws[ws["theme"].astype(str).str.lower().str.contains(theme, regex=False)]
    event_dates = dict(zip(s.events["event_id"], s.events["date_start"], strict=True))
    when = ws["date"].where(ws["date"].notna(), ws["event_id"].map(event_dates))
    ws = ws.assign(_when=when)
    ws = ws[ws["_when"].notna() & (ws["_when"] <= _naive(s.as_of))]
    if p.get("each"):  # every workshop held, not once per event or day
        return ws
    key = ws["event_id"].where(ws["event_id"].fillna("") != "", ws["_when"].astype(str))
    return ws.assign(_key=key).drop_duplicates("_key")


def _theme_words(p: Params) -> str:
    return f"{p['theme']} workshops" if p.get("theme") else "workshops"


def count_workshops(s: Snapshot, p: Params) -> Result:
    ws = _workshops(s, p)
    return Decimal(len(ws)), f"{_theme_words(p)} held up to the claim date", evidence_of(ws)


def workshop_participants(s: Snapshot, p: Params) -> Result:
    ws = _workshops(s, p)
    stated = ws[ws["n_participants"].notna()]
    if stated.empty:
        return None, f"no {_theme_words(p)[:-1]} states its participants", ""
    total = int(stated["n_participants"].sum())
    if p.get("mean"):
        return (
            Decimal(total) / Decimal(len(stated)),
            f"{total} participants over {len(stated)} {_theme_words(p)}",
            evidence_of(stated),
        )
    return (
        Decimal(total),
        f"sum of participants of {len(stated)} {_theme_words(p)}",
        evidence_of(stated),
    )


def pages_created(s: Snapshot, p: Params) -> Result:
    pg = s.pages
    pg = pg[pg["first_rev_at"] <= pd.Timestamp(s.as_of)]
    return Decimal(len(pg)), "pages of the selection created up to the claim date", ""


def _present(s: Snapshot, p: Params) -> pd.DataFrame:
    ev = events_upto(s, p)
    at = s.attendance[s.attendance["role"] == "present"]
    return at.merge(ev[["event_id", "kind", "date_start"]], on="event_id")


def distinct_people(s: Snapshot, p: Params) -> Result:
    at = _present(s, p)
    method = f"distinct people present at {_kinds(p)}"
    return Decimal(at["name_key"].nunique()), method, evidence_of(at)


def members(s: Snapshot, p: Params) -> Result:
    months = int(p.get("months", 12))
    least = int(p.get("min_events", 2))
    at = _present(s, p)
    at = at[at["date_start"] > _naive(s.as_of - timedelta(days=round(months * 365 / 12)))]
    per_person = at.groupby("name_key")["event_id"].nunique()
    kept = per_person[per_person >= least]
    return (
        Decimal(len(kept)),
        f"people present at {least} or more {_kinds(p)} in the {months} months "
        "before the claim date",
        evidence_of(at[at["name_key"].isin(kept.index)]),
    )


def distinct_themes(s: Snapshot, p: Params) -> Result:
    """Distinct themes; ``held = true``: only of workshops held (tied to an event or a date)."""
    ws = s.workshops
    if p.get("held"):
        ws = ws[(ws["event_id"].fillna("") != "") | ws["date"].notna()]
    keys = {" ".join(strip_accents(str(t)).lower().split()) for t in ws["theme"]}
    method = "distinct workshop themes (case and accents ignored)"
    return Decimal(len(keys)), method, evidence_of(ws)


Recompute = Callable[[Snapshot, Params], Result]
RECOMPUTATIONS: dict[str, Recompute] = {
    "count_events": count_events,
    "period_months": period_months,
    "mean_participants": mean_participants,
    "count_workshops": count_workshops,
    "workshop_participants": workshop_participants,
    "pages_created": pages_created,
    "members": members,
    "distinct_people": distinct_people,
    "distinct_themes": distinct_themes,
}


# Recomputations that read events: they know which pages those events need.
READS_EVENTS = frozenset(
    {"count_events", "period_months", "mean_participants", "participants_range",
     "distinct_people", "members"}
)  # fmt: skip


def missing_pages(s: Snapshot, p: Params) -> list[str]:
    """Pages the events a recomputation reads need but the store lacks.

    An event known only from a hub line whose page is missing may be of any kind
    (its kind is read from the hub's words): one of unknown kind counts for every
    kind-filtered recomputation.
    """
    if "missing_pages" not in s.events.columns:
        return []
    ev = events_upto(s, {k: v for k, v in p.items() if k != "kinds"})
    if p.get("kinds"):
        ev = ev[ev["kind"].isin([*p["kinds"], DEFAULT_KIND])]
    found = ev["missing_pages"].dropna().astype(str)
    return sorted({t.strip() for v in found for t in v.split(";") if t.strip()})


def outcome_of(spec: ClaimSpec, claim: Any, s: Snapshot) -> Outcome | None:
    """The verdict on one published claim as its spec recomputes it (None: no data check).

    A recomputation that reads events some of whose pages are missing from the store
    gives ``incomplete``, never a definitive verdict: missing data is not a false figure.
    """
    name, p = spec.recompute, spec.params
    value, qualifier, text = claim.value, str(claim.qualifier), str(claim.text)
    if name is None:
        return None
    if name == "not_checkable":
        return not_checkable(str(p["reason"]))
    missing = missing_pages(s, p) if name in READS_EVENTS else []
    if name == "participants_range":
        low, high, method, evidence = participants_range(s, p)
        if missing:
            return incomplete(None, None, missing, method=method, evidence=evidence)
        if low is None or high is None:
            return not_checkable(method)
        return judge(
            value, None, "range", method=method, evidence=evidence,
            published_range=(claim.low, claim.high), recomputed_range=(low, high),
        )  # fmt: skip
    if name in _FROM_REPORT:
        return _FROM_REPORT[name](spec, claim, s)
    recomputed, method, evidence = RECOMPUTATIONS[name](s, p)
    if missing:
        return incomplete(value, recomputed, missing, method=method, evidence=evidence)
    if recomputed is None:
        return not_checkable(method)
    return judge(value, recomputed, qualifier, method=method, evidence=evidence, text=text)


def _report_evidence(s: Snapshot, revid: int) -> str:
    return f"{s.report_title}@{revid}"


def _sum_expenses(spec: ClaimSpec, claim: Any, s: Snapshot) -> Outcome:
    revid = int(claim.revid)
    exp = s.expenses[s.expenses["revid"] == revid] if not s.expenses.empty else s.expenses
    if exp.empty:
        return not_checkable("the report lists no expense line")
    total = sum(exp["amount_eur"], Decimal(0))
    return judge(claim.value, total, "exact", evidence=_report_evidence(s, revid),
                 method=f"sum of the {len(exp)} expense lines of the report")  # fmt: skip


def _balance(spec: ClaimSpec, claim: Any, s: Snapshot) -> Outcome:
    revid = int(claim.revid)
    exp = s.expenses[s.expenses["revid"] == revid] if not s.expenses.empty else s.expenses
    if exp.empty:
        return not_checkable("the report lists no expense line")
    allocation = claim_value(s.claims, revid, str(spec.params.get("allocation", "")))
    if allocation is None:
        return not_checkable("the report states no allocation to subtract the expenses from")
    total = sum(exp["amount_eur"], Decimal(0))
    return judge(claim.value, allocation - total, "exact", evidence=_report_evidence(s, revid),
                 method="the allocation minus the sum of the expense lines")  # fmt: skip


def _listed_items(spec: ClaimSpec, claim: Any, s: Snapshot) -> Outcome:
    revid = int(claim.revid)
    facts = s.facts.get(revid)
    if facts is None or spec.claim_id not in facts.listed:
        return not_checkable("the report lists no items next to this figure")
    return judge(claim.value, Decimal(facts.listed[spec.claim_id]), str(claim.qualifier),
                 evidence=_report_evidence(s, revid), text=str(claim.text),
                 method="the items the report lists with this figure")  # fmt: skip


# Figures whose data is on the report page itself: expense lines and listed items.
_FROM_REPORT: dict[str, Callable[[ClaimSpec, Any, Snapshot], Outcome]] = {
    "sum_expenses": _sum_expenses,
    "balance": _balance,
    "listed_items": _listed_items,
}


# -- what each recomputation counted ------------------------------------------------------

ITEM_COLUMNS = ["item", "key", "date", "title", "n", "basis", "page", "revid", "line"]


def _items(item: str, df: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """Rows of :data:`ITEM_COLUMNS` from ``df``: each column a name in ``df`` or a Series."""
    out = pd.DataFrame(index=df.index)
    out["item"] = item
    for name in ITEM_COLUMNS[1:]:
        given = columns.get(name, name)
        if isinstance(given, pd.Series):
            out[name] = given
        else:
            out[name] = df[given] if given in df.columns else None
    return out.reset_index(drop=True)


def _event_items(ev: pd.DataFrame) -> pd.DataFrame:
    return _items("event", ev, key="event_id", date="date_start", n="n_participants",
                  basis="participants_basis")  # fmt: skip


def _first_event(s: Snapshot, p: Params) -> pd.DataFrame:
    ev = events_upto(s, p)
    return _event_items(ev.sort_values("date_start", kind="stable").head(1))


def _workshop_items(ws: pd.DataFrame) -> pd.DataFrame:
    return _items("workshop", ws, key="_key", date="_when", title="theme", n="n_participants")


def _participant_workshops(s: Snapshot, p: Params) -> pd.DataFrame:
    ws = _workshops(s, p)
    return _workshop_items(ws[ws["n_participants"].notna()])


def _page_items(s: Snapshot, p: Params) -> pd.DataFrame:
    pg = s.pages[s.pages["first_rev_at"] <= pd.Timestamp(s.as_of)]
    return _items("page", pg, key="title", date="first_rev_at", page="title",
                  revid=pd.Series(None, index=pg.index, dtype="Int64"))  # fmt: skip


def _people(at: pd.DataFrame) -> pd.DataFrame:
    """One row per person: the first name written, the events attended, the last date."""
    if at.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    at = at.sort_values("date_start", kind="stable")
    people = at.groupby("name_key", sort=True).agg(
        title=("name_raw", "first"), n=("event_id", "nunique"), date=("date_start", "last"),
        page=("page", "last"), revid=("revid", "last"), line=("line", "last"),
    )  # fmt: skip
    return _items("person", people.reset_index(), key="name_key")


def _member_items(s: Snapshot, p: Params) -> pd.DataFrame:
    months = int(p.get("months", 12))
    at = _present(s, p)
    at = at[at["date_start"] > _naive(s.as_of - timedelta(days=round(months * 365 / 12)))]
    people = _people(at)
    return people[people["n"] >= int(p.get("min_events", 2))].reset_index(drop=True)


def _theme_items(s: Snapshot, p: Params) -> pd.DataFrame:
    ws = s.workshops.assign(
        _theme=[" ".join(strip_accents(str(t)).lower().split()) for t in s.workshops["theme"]]
    )
    ws = ws.sort_values("date", kind="stable", na_position="last")
    themes = ws.groupby("_theme", sort=True).agg(
        title=("theme", "first"), n=("theme", "size"), date=("date", "first"),
        page=("page", "first"), revid=("revid", "first"), line=("line", "first"),
    )  # fmt: skip
    return _items("theme", themes.reset_index(), key="_theme")


COUNTED: dict[str, Callable[[Snapshot, Params], pd.DataFrame]] = {
    "count_events": lambda s, p: _event_items(events_upto(s, p)),
    "period_months": _first_event,
    "mean_participants": lambda s, p: _event_items(_counted(s, p)),
    "participants_range": lambda s, p: _event_items(_counted(s, p)),
    "count_workshops": lambda s, p: _workshop_items(_workshops(s, p)),
    "workshop_participants": _participant_workshops,
    "pages_created": _page_items,
    "members": _member_items,
    "distinct_people": lambda s, p: _people(_present(s, p)),
    "distinct_themes": _theme_items,
}


def counted_items(spec: ClaimSpec, claim: Any, s: Snapshot) -> pd.DataFrame | None:
    """What the recomputation of ``claim`` counts: events, workshops, people, pages, lines.

    Columns :data:`ITEM_COLUMNS`; None when the recomputation counts no rows of
    the frames (a figure not checkable, or items only the report lists).
    """
    name = spec.recompute
    if name in ("sum_expenses", "balance"):
        revid = int(claim.revid)
        exp = s.expenses[s.expenses["revid"] == revid] if not s.expenses.empty else s.expenses
        return _items("line", exp, key="label", date="month", title="label", n="amount_eur")
    if name is None or name not in COUNTED:
        return None
    return COUNTED[name](s, spec.params)


def claim_value(claims: pd.DataFrame, revid: int, claim_id: str) -> Decimal | None:
    """The value a claim has in one report revision (None when not stated there)."""
    if claims.empty or not claim_id:
        return None
    found = claims[(claims["revid"] == revid) & (claims["claim_id"] == claim_id)]["value"]
    return found.iloc[0] if len(found) else None
