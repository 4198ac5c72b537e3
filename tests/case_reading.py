"""Read a golden case (tests/cases/README.md) and compare it with its expected reading.

Used by ``tests/test_cases.py`` and by ``bench/score_cases.py`` (which scores a
directory of cases, class by class, for the closing notes). Works on the
current reader and, through a small shim, on the title-gated reader before it.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from wikibilan.document import parse_html, parse_wikitext

# The fields a reading is scored on; each case scores only those its toml gives.
FIELDS = (
    "event", "kind", "date", "place", "count", "present", "planned", "interested",
    "uncertain", "workshops", "warning",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CasePage:
    title: str
    text: str
    created: datetime
    edited: datetime
    html: str | None = None


@dataclass(slots=True)
class Case:
    name: str
    form: str
    klass: str
    page: CasePage
    context: list[CasePage]
    expected: dict[str, Any]


@dataclass(slots=True)
class Outcome:
    """Per field: None when the case does not say, else whether the reading agrees."""

    case: str
    klass: str
    results: dict[str, bool | None] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v is not False for v in self.results.values())


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 12, tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def load_case(toml_path: Path) -> Case:
    data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    wiki = toml_path.with_suffix(".wiki")
    created = _utc(data["created"])
    html_path = toml_path.with_suffix(".html")
    page = CasePage(
        data["title"],
        wiki.read_text(encoding="utf-8"),
        created,
        _utc(data.get("edited", created)),
        html_path.read_text(encoding="utf-8") if html_path.exists() else None,
    )
    context = []
    for i, c in enumerate(data.get("context", [])):
        c_created = _utc(c.get("created", created))
        c_html = toml_path.with_name(f"{toml_path.stem}.ctx{i}.html")
        context.append(
            CasePage(
                c["title"],
                c.get("text", ""),
                c_created,
                _utc(c.get("edited", c_created)),
                c_html.read_text(encoding="utf-8") if c_html.exists() else None,
            )
        )
    return Case(
        toml_path.stem,
        data.get("form", ""),
        data.get("class", "other"),
        page,
        context,
        data.get("expected", {}),
    )


def load_cases(directory: Path) -> list[Case]:
    return [load_case(p) for p in sorted(directory.glob("*.toml"))]


def _norm(text: Any) -> str:
    folded = unicodedata.normalize("NFC", str(text)).replace("’", "'").casefold()
    return " ".join(folded.replace(".", " ").split())


Reader = Callable[[list[tuple[CasePage, Any]]], Any]


def current_reader(pages: list[tuple[CasePage, Any]]) -> Any:
    """The reader of this checkout: every page weighed together."""
    from wikibilan.extract.snapshot import PageRevision, extract_snapshot
    from wikibilan.profile import load_profile

    revs = [
        PageRevision(p.title, i + 1, p.edited, p.created, doc, "u")
        for i, (p, doc) in enumerate(pages)
    ]
    return extract_snapshot(revs, load_profile().reading)


def documents(case: Case, path: str) -> list[tuple[CasePage, Any]]:
    """The case's pages parsed through the wikitext or the HTML path."""
    out = []
    for i, p in enumerate([case.page, *case.context]):
        if path == "html":
            if p.html is None:
                raise FileNotFoundError(f"{case.name}: no HTML (run tests/cases/render.py)")
            doc = parse_html(p.html, title=p.title, revid=i + 1)
        else:
            doc = parse_wikitext(p.text, title=p.title, revid=i + 1)
        out.append((p, doc))
    return out


def compare(case: Case, reader: Reader = current_reader, path: str = "wikitext") -> Outcome:
    """Read the case and compare, field by field, with its expected reading."""
    ex = case.expected
    out = Outcome(case.name, case.klass)
    snap = reader(documents(case, path))
    title = case.page.title
    event_page = ex.get("event_title", title)
    # The event a page records or joins is read from that page (or, for a sub-page
    # of an absent parent, from the sub-page, under the parent's title); an event a
    # hub line gives names the hub as its page and the line as its title.
    events = [
        e for e in snap.events
        if (_norm(e.title) == _norm(event_page) and e.where.page in (event_page, title))
        or (e.where.page == title and _norm(e.title) in (_norm(title), _norm(event_page)))
        or (e.where.page == title and "/" in title and _norm(title).startswith(_norm(e.title)))
    ]  # fmt: skip
    event = events[0] if events else None

    def check(name: str, ok: bool, detail: str) -> None:
        out.results[name] = ok
        if not ok:
            out.details.append(f"{name}: {detail}")

    if "event" in ex:
        got = event is not None
        check("event", got == bool(ex["event"]), f"expected event={ex['event']}, got {got}")
    if event is not None and ex.get("event", False):
        if "kind" in ex:
            check("kind", event.kind == ex["kind"], f"{event.kind!r} != {ex['kind']!r}")
        if "date_start" in ex:
            want = (ex["date_start"], ex.get("date_end", ex["date_start"]))
            got_d = (event.date_start, event.date_end)
            check("date", got_d == want, f"{got_d} != {want}")
        if "place" in ex:
            ok = _norm(ex["place"]) in _norm(event.place) if ex["place"] else not event.place
            check("place", ok, f"{event.place!r} does not hold {ex['place']!r}")
        if "n_participants" in ex or "basis" in ex:
            want_n, want_b = ex.get("n_participants"), ex.get("basis", "absent")
            ok = event.n_participants == want_n and event.participants_basis == want_b
            check("count", ok, f"{event.n_participants} ({event.participants_basis}) != "
                  f"{want_n} ({want_b})")  # fmt: skip
    elif ex.get("event", False):
        for name, key in (("kind", "kind"), ("date", "date_start"), ("place", "place")):
            if key in ex:
                check(name, False, "no event read")
        if "n_participants" in ex or "basis" in ex:
            check("count", False, "no event read")
    rows = [a for a in snap.attendance if a.where.page == title]
    for role in ("present", "planned", "interested"):
        if role in ex or role == "present":
            want = sorted(_norm(n) for n in ex.get(role, []))
            got_names = sorted(_norm(a.name_raw) for a in rows if a.role == role)
            if role in ex or got_names:
                check(role, got_names == want, f"{got_names} != {want}")
    if "uncertain" in ex:
        want = sorted(_norm(n) for n in ex["uncertain"])
        got_u = sorted(_norm(a.name_raw) for a in rows if a.uncertain)
        check("uncertain", got_u == want, f"{got_u} != {want}")
    if "workshops" in ex:
        check("workshops", *_workshops(ex["workshops"], snap, title))
    if "warning" in ex:
        got_w = any(w.page == title for w in snap.warnings)
        check("warning", got_w == bool(ex["warning"]), f"warning={got_w}")
    return out


def _workshops(expected: list[dict[str, Any]], snap: Any, title: str) -> tuple[bool, str]:
    got = [w for w in snap.workshops if w.where.page == title]
    want = sorted((_norm(w["theme"]), w.get("date"), w.get("n_participants")) for w in expected)
    have = sorted(
        (_norm(w.theme), getattr(w, "date", None) if "date" in _keys(expected) else None,
         w.n_participants if "n_participants" in _keys(expected) else None)
        for w in got
    )  # fmt: skip
    want = [(t, d if "date" in _keys(expected) else None,
             n if "n_participants" in _keys(expected) else None) for t, d, n in want]  # fmt: skip
    return have == want, f"{have} != {want}"


def _keys(expected: list[dict[str, Any]]) -> set[str]:
    return {k for w in expected for k in w}
