"""The site profile: everything particular to one wiki and one report, as data.

A profile is one TOML file (``profiles/DEFAULT`` names the default one): the site,
the selection of pages, the reading vocabulary, the report's title and its
claims — how to find each and how to recompute it — and the internal checks.
It is read once, at the edge (the CLI or the library), validated, and passed
down as an immutable :class:`Profile`; no module below reads files. Errors name
the file, the line and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from wikibilan.config import Selection
from wikibilan.errors import UsageError
from wikibilan.extract.vocabulary import Vocabulary, vocabulary_from_mapping
from wikibilan.french import APPROX_WORDS, NUMBER
from wikibilan.specs import ClaimSpec, InternalSpec, Registry, SiteSpec

# The file that names the default profile among those shipped in ``profiles/``.
DEFAULT_NAME_FILE = "DEFAULT"

# What a claim's pattern may use: a French number, an apostrophe, "participant⋅e⋅s".
PLACEHOLDERS = {
    "number": f"({NUMBER})",
    "apos": "['\u2019]",
    "participants": r"particip\w*(?:[\u22c5.\-·]\w+)*",
}
FORMS = ("number", "range", "fraction", "count_word", "table")
# The recomputations (checks.py) and internal checks (internal.py) a profile may name.
RECOMPUTATIONS = (
    "count_events", "period_months", "mean_participants", "participants_range",
    "count_workshops", "workshop_participants", "pages_created", "members",
    "distinct_people", "distinct_themes", "listed_items", "sum_expenses", "balance",
    "not_checkable",
)  # fmt: skip
INTERNAL_CHECKS = ("parts_sum", "lines_sum", "difference", "product", "grim", "listed_items",
                   "period")  # fmt: skip

_STRINGS = {"type": "array", "items": {"type": "string"}}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["site", "report", "claims"],
    "additionalProperties": False,
    "properties": {
        "site": {
            "type": "object", "required": ["url"], "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "url": {"type": "string"},
                           "old_hosts": _STRINGS, "time_zone": {"type": "string"},
                           "lang": {"type": "string"}, "archive_chrome": _STRINGS},
        },
        "selection": {
            "type": "object", "additionalProperties": False,
            "properties": {"seeds": _STRINGS, "categories": _STRINGS, "prefixes": _STRINGS,
                           "category_depth": {"type": "integer", "minimum": 0},
                           "links": {"type": "integer", "minimum": 0},
                           "title_patterns": _STRINGS},
        },
        "reading": {"type": "object"},
        "report": {
            "type": "object", "required": ["title"], "additionalProperties": False,
            "properties": {"title": {"type": "string"}, "expense_sections": _STRINGS},
        },
        "claims": {"type": "array", "items": {
            "type": "object", "required": ["id", "unit"], "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "label": {"type": "string"}, "find": {"type": "string"},
                "form": {"enum": list(FORMS)}, "line_has": {"type": "string"},
                "section": {"type": "string"}, "unit": {"type": "string"},
                "qualifier": {"enum": ["exact", "approx", "at_least", "mean", "range"]},
                "recompute": {"enum": list(RECOMPUTATIONS)}, "with": {"type": "object"},
            },
        }},
        "internal": {"type": "array", "items": {
            "type": "object", "required": ["id", "claim", "check"], "additionalProperties": False,
            "properties": {"id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                           "claim": {"type": "string"}, "check": {"enum": list(INTERNAL_CHECKS)},
                           "with": {"type": "object"}},
        }},
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Profile:
    """A wiki and its report (see the module doc)."""

    source: str
    site: SiteSpec
    selection: Selection
    reading: Vocabulary
    report_title: str
    expense_sections: tuple[str, ...]
    claims: tuple[ClaimSpec, ...]
    internal: tuple[InternalSpec, ...]

    @property
    def registry(self) -> Registry:
        """The claims and internal checks, as the checks iterate over them."""
        return Registry(self.claims, self.internal)


def default_profile_path() -> Path:
    """The default profile shipped with the package."""
    shipped = resources.files("wikibilan.profiles")
    name = shipped.joinpath(DEFAULT_NAME_FILE).read_text(encoding="utf-8").strip()
    return Path(str(shipped.joinpath(name)))


def load_profile(path: Path | None = None) -> Profile:
    """Read and validate a profile file (default: the one ``profiles/DEFAULT`` names)."""
    path = path or default_profile_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such profile: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"the profile {path} cannot be read: {exc}") from exc
    return profile_from_toml(text, str(path))


def profile_from_toml(text: str, source: str = "<profile>") -> Profile:
    """Build a profile from TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: not valid TOML: {exc}") from exc
    errors = sorted(
        jsonschema.Draft202012Validator(_SCHEMA).iter_errors(data), key=lambda e: list(e.path)
    )
    if errors:
        err = errors[0]
        key = _key(list(err.absolute_path))
        raise UsageError(f"{_where(source, text, list(err.absolute_path))}{key}: {err.message}")
    return _Builder(data, text, source).build()


def _key(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _where(source: str, text: str, path: list[Any]) -> str:
    """``file, line N: `` for a key path (the line of the key, or of its table)."""
    line = _line_of(text, path)
    return f"{source}, line {line}: " if line else f"{source}: "


def _line_of(text: str, path: list[Any]) -> int | None:
    """The line a key path is written on, found by walking table headers and keys."""
    lines = text.split("\n")
    start, found = 0, None
    table = ""
    for i, part in enumerate(path):
        if isinstance(part, int):  # the part-th [[table]] of the array named before
            headers = [n for n, line in enumerate(lines)
                       if line.strip() == f"[[{table}]]"]  # fmt: skip
            if part < len(headers):
                start = found = headers[part]
            continue
        table = f"{table}.{part}" if table and i > 0 and isinstance(path[i - 1], str) else part
        rx = re.compile(rf"^\s*(?:\[{{1,2}}(?:[\w.]*\.)?{re.escape(part)}\]{{1,2}}|"
                        rf"{re.escape(part)}\s*=|.*[{{,]\s*{re.escape(part)}\s*=)")  # fmt: skip
        for n in range(start, len(lines)):
            if rx.match(lines[n]):
                start = found = n
                break
    return found + 1 if found is not None else None


class _Builder:
    def __init__(self, data: dict[str, Any], text: str, source: str) -> None:
        self.data, self.text, self.source = data, text, source

    def fail(self, path: list[Any], message: str) -> UsageError:
        return UsageError(f"{_where(self.source, self.text, path)}{_key(path)}: {message}")

    def pattern(self, path: list[Any], pattern: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise self.fail(path, f"not a regular expression ({exc})") from None

    def build(self) -> Profile:
        d = self.data
        site = d["site"]
        sel = d.get("selection", {})
        for i, p in enumerate(sel.get("title_patterns", [])):
            self.pattern(["selection", "title_patterns", i], p)
        report = d["report"]
        reading = dict(d.get("reading", {}))
        self.reading_patterns(reading)
        reading["report_titles"] = [report["title"]]
        try:
            vocab = vocabulary_from_mapping(reading)
        except UsageError as exc:
            raise UsageError(f"{self.source}: reading: {exc}") from None
        claims = tuple(self.claim(i, c) for i, c in enumerate(d["claims"]))
        ids = [c.claim_id for c in claims]
        dupes = {c for c in ids if ids.count(c) > 1}
        if dupes:
            raise self.fail(["claims"], f"claim ids used twice: {', '.join(sorted(dupes))}")
        internal = tuple(self.internal(i, c, set(ids)) for i, c in enumerate(d.get("internal", [])))
        return Profile(
            source=self.source,
            site=SiteSpec(
                site.get("name", ""),
                site["url"],
                tuple(site.get("old_hosts", [])),
                site.get("time_zone", "UTC"),
                site.get("lang", "en"),
                tuple(
                    self.pattern(["site", "archive_chrome", i], p)
                    for i, p in enumerate(site.get("archive_chrome", []))
                ),
            ),  # fmt: skip
            selection=Selection(
                titles=tuple(sel.get("seeds", [])),
                categories=tuple(sel.get("categories", [])),
                category_depth=int(sel.get("category_depth", 1)),
                prefixes=tuple(sel.get("prefixes", [])),
                title_patterns=tuple(sel.get("title_patterns", [])),
                links=int(sel.get("links", 0)),
            ),
            reading=vocab,
            report_title=report["title"],
            expense_sections=tuple(s.lower() for s in report.get("expense_sections", [])),
            claims=claims,
            internal=internal,
        )

    def reading_patterns(self, reading: Mapping[str, Any]) -> None:
        """Compile every pattern of [reading] here, so that an error names its line."""
        for key, value in reading.items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                for i, pattern in enumerate(value):
                    self.pattern(["reading", key, i], pattern)
            elif isinstance(value, list):
                for i, entry in enumerate(value):
                    for field in ("title", "words"):
                        patterns = entry.get(field, []) if isinstance(entry, Mapping) else []
                        for j, pattern in enumerate(patterns if isinstance(patterns, list) else []):
                            if isinstance(pattern, str):
                                self.pattern(["reading", key, i, field, j], pattern)

    def claim(self, i: int, c: Mapping[str, Any]) -> ClaimSpec:
        path: list[Any] = ["claims", i]
        form = c.get("form", "number")
        find = None
        if "find" in c:
            pattern = c["find"]
            for name, value in PLACEHOLDERS.items():
                pattern = pattern.replace("{" + name + "}", value)
            pattern = pattern.replace("{count_word}", "|".join(APPROX_WORDS))
            find = self.pattern([*path, "find"], pattern)
        elif form != "table":
            raise self.fail(path, 'a claim needs `find` (or form = "table" and `section`)')
        if form == "table" and not c.get("section"):
            raise self.fail(path, "a table claim needs the `section` its rows stand in")
        recompute = c.get("recompute")
        params = c.get("with", {})
        if recompute == "not_checkable" and not params.get("reason"):
            raise self.fail([*path, "with"], "not_checkable needs a `reason`")
        return ClaimSpec(
            c["id"], c.get("label", c["id"]), find, form, c["unit"], c.get("qualifier"),
            recompute, MappingProxyType(dict(params)), c.get("line_has", ""),
            c.get("section", "").lower(),
        )  # fmt: skip

    def internal(self, i: int, c: Mapping[str, Any], claim_ids: set[str]) -> InternalSpec:
        path: list[Any] = ["internal", i]
        params = c.get("with", {})
        named = [c["claim"], *(v for k, v in params.items() if k in ("from", "minus", "n")),
                 *params.get("factors", [])]  # fmt: skip
        unknown = [n for n in named if n not in claim_ids]
        if unknown:
            raise self.fail(path, f"names no claim of this profile: {', '.join(unknown)}")
        for key in ("counted", "single"):
            if key in params:
                self.pattern([*path, "with", key], params[key])
        return InternalSpec(
            f"internal:{c['id']}", c["claim"], c["check"], MappingProxyType(dict(params))
        )
