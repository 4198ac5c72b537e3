"""The frames as the report reads them: rows, labels, figures and links, in one language.

A :class:`View` is made once per report from the frames and the context; the
builders of ``content``, ``sections`` and ``figure_history`` ask it how to name
a claim, write a figure, date a revision or link to it. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from ..specs import InternalSpec
from ..titles import wiki_urlencode
from .blocks import Link, ReportContext, text_of
from .links import article_link, revision_link
from .wording import Language, language

Frames = Mapping[str, pd.DataFrame]
Row = dict[str, object]
# Units whose figures are amounts of money (written "1 022,66 €").
MONEY_UNITS = frozenset({"eur", "euro", "euros", "€"})
# Tolerance phrases of the checks frame, and the phrase each stands for.
_TOLERANCES = (
    (re.compile(r"^equal$"), "tol.equal"),
    (re.compile(r"^min and max equal$"), "tol.range"),
    (re.compile(r"^rounds to (?P<value>\S+) \((?P<n>\d+) decimals?\)$"), "tol.rounds"),
    (re.compile(r"^(?P<n>\d+) decimals?$"), "tol.decimals"),
)
_NUMBER = re.compile(r"(?<![\w.])[+-]?\d+(?:\.\d+)?(?![\w.])")


def records(df: pd.DataFrame | None) -> list[Row]:
    if df is None:
        return []
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def get(row: Mapping[str, object], key: str) -> str:
    return text_of(row.get(key))


@dataclass
class View:
    """What the report knows, and how it says it in ``ctx.lang``."""

    frames: Frames
    ctx: ReportContext
    t: Language = field(init=False)

    def __post_init__(self) -> None:
        self.t = language(self.ctx.lang)

    # -- rows ---------------------------------------------------------------------------

    def rows(self, name: str) -> list[Row]:
        return records(self.frames.get(name))

    @cached_property
    def checks(self) -> list[Row]:
        return self.rows("checks")

    @cached_property
    def page_created(self) -> dict[str, pd.Timestamp]:
        """Each page's first revision (UTC), by title: read once, looked up per item."""
        pages = self.frames.get("pages")
        if pages is None or pages.empty or "first_rev_at" not in pages.columns:
            return {}
        stamps = pd.to_datetime(pages["first_rev_at"], errors="coerce", utc=True)
        return {str(t): s for t, s in zip(pages["title"], stamps, strict=True) if pd.notna(s)}

    @cached_property
    def check_date(self) -> pd.Timestamp | None:
        """The latest as-of of the current checks (UTC)."""
        given = pd.Series([str(r.get("as_of") or "") for r in self.current], dtype="string")
        stamps = pd.to_datetime(given, errors="coerce", utc=True).dropna()
        return stamps.max() if len(stamps) else None

    @cached_property
    def latest_revid(self) -> int | None:
        """The bilan revision the current verdicts are about."""
        if self.ctx.bilan_revid is not None:
            return self.ctx.bilan_revid
        revids = [r for r in (as_int(c.get("revid")) for c in self.checks) if r is not None]
        return max(revids) if revids else None

    def is_removed(self, row: Mapping[str, object]) -> bool:
        """A figure the latest bilan revision no longer states (checked in an older one)."""
        revid, latest = as_int(row.get("revid")), self.latest_revid
        return revid is not None and latest is not None and revid < latest

    @cached_property
    def current(self) -> list[Row]:
        return [r for r in self.checks if not self.is_removed(r)]

    @cached_property
    def removed(self) -> list[Row]:
        return [r for r in self.checks if self.is_removed(r)]

    @cached_property
    def _claims(self) -> dict[str, Row]:
        """The latest row of each claim in the claims frame."""
        rows = self.rows("claims")
        rows.sort(key=lambda r: as_int(r.get("revid")) or 0)
        return {get(r, "claim_id"): r for r in rows}

    # -- names --------------------------------------------------------------------------

    def _internal_spec(self, claim_id: str) -> InternalSpec | None:
        registry = self.ctx.registry
        if registry is None:
            return None
        ids = (claim_id, claim_id.removeprefix("internal:"))
        return next((c for c in registry.internal if c.check_id in ids), None)

    def subject(self, claim_id: str) -> str:
        """The claim a check is about: itself, or what an internal check checks."""
        if not claim_id.startswith("internal:"):
            return claim_id
        spec = self._internal_spec(claim_id)
        return spec.claim if spec is not None else claim_id.removeprefix("internal:")

    def internal_kind(self, claim_id: str) -> str:
        spec = self._internal_spec(claim_id)
        return spec.check if spec is not None else ""

    def base_label(self, claim_id: str) -> str:
        return get(self._claims.get(claim_id, {}), "label")

    @cached_property
    def _shared_labels(self) -> set[str]:
        labels = [self.base_label(get(r, "claim_id")) for r in self.checks]
        return {label for label in labels if label and labels.count(label) > 1}

    @cached_property
    def _labels(self) -> dict[str, str]:
        """Each checked figure's name; figures sharing a label are told apart."""
        names: dict[str, str] = {}
        for row in self.checks:
            claim_id, text = get(row, "claim_id"), get(row, "text")
            label = self.base_label(self.subject(claim_id))
            if not label:
                continue
            if claim_id.startswith("internal:"):
                kind = self.internal_kind(claim_id)
                how = self.t(f"internal.{kind}") if kind else ""
                how = self.t("check.internal") if how.lower() == label.lower() else how
                label = f"{label} — {how}" if how else label
            elif label in self._shared_labels:  # "Présence en ligne — Twitter"
                label = f"{label} — {text.split('|')[0].strip() if '|' in text else ''}"
            names[claim_id] = label
        taken = list(names.values())
        for claim_id, label in names.items():
            if label.endswith(" — ") or taken.count(label) > 1:  # the id tells them apart
                what = claim_id.partition(":")[2].replace("_", " ") or claim_id
                names[claim_id] = f"{label.removesuffix(' — ').split(' — ')[0]} — {what}"
        return names

    def label(self, claim_id: str) -> str:
        """How the report names a figure: its label in the profile, else its id."""
        if found := self._labels.get(claim_id):
            return found
        return self.base_label(self.subject(claim_id)) or claim_id

    def unit(self, claim_id: str) -> str:
        return get(self._claims.get(self.subject(claim_id), {}), "unit").lower()

    # -- figures ------------------------------------------------------------------------

    def figure(self, value: object, claim_id: str = "", *, published: bool = False) -> str:
        """A figure in the report's language: money to the cent, a share as a fraction."""
        text = text_of(value)
        if not text:
            return ""
        if self.unit(claim_id) in MONEY_UNITS and _NUMBER.fullmatch(text):
            return self.t.money(text)
        if published and (fraction := _fraction(text)):
            return fraction
        return self.t.number(text) if _NUMBER.fullmatch(text) else text

    def signed(self, value: object, claim_id: str = "") -> str:
        text = self.figure(value, claim_id)
        return f"+{text}" if text and text[0].isdigit() and text.strip("0,. €") else text

    def numbers(self, text: str) -> str:
        """Every number of a phrase written in the report's language."""
        return _NUMBER.sub(lambda m: self.t.number(m[0]), text)

    def tolerance(self, text: str) -> str:
        for pattern, key in _TOLERANCES:
            if m := pattern.match(text):
                values = {k: self.t.number(v) for k, v in m.groupdict().items()}
                return self.t(key, **values)
        return self.numbers(text)

    def when(self, value: object) -> str:
        return self.t.when(value, self.ctx.time_zone)

    def day(self, value: object) -> str:
        return self.t.date(value, self.ctx.time_zone)

    # -- links --------------------------------------------------------------------------

    @cached_property
    def article_url(self) -> str:
        """The site's page URL template: the context's, else read off the pages frame."""
        if self.ctx.article_url:
            return self.ctx.article_url
        for row in self.rows("pages"):
            url, title = get(row, "url"), get(row, "title")
            encoded = wiki_urlencode(title) if title else ""
            if encoded and url.endswith(encoded):
                return url[: len(url) - len(encoded)] + "$1"
        return ""

    @cached_property
    def _archived(self) -> set[int]:
        """Revisions read from a static mirror (linked in the mirror's own form)."""
        revids = (
            as_int(r.get("revid")) for r in self.rows("revisions") if get(r, "source") == "archive"
        )
        return {r for r in revids if r is not None}

    def revision_url(self, title: str, revid: object) -> str:
        rid = as_int(revid)
        if not title or rid is None:
            return ""
        return revision_link(self.article_url, title, rid, archive=rid in self._archived)

    def revision(self, title: str, revid: object, text: str = "") -> Link | str:
        """A link to one revision of a page (plain text when no URL can be made)."""
        text = text or self.t("source", title=title, revid=text_of(revid))
        url = self.revision_url(title, revid)
        return Link(text, url) if url else text

    def page_url(self, title: str) -> str:
        return article_link(self.article_url, title)


def as_int(value: object) -> int | None:
    """A revision id (or any whole number) from a cell, None when there is none."""
    text = text_of(value)
    return int(text) if text.isdigit() else None


def _fraction(text: str) -> str:
    """``0.3333`` as ``1/3``: a share published as a fraction reads as one."""
    if not re.fullmatch(r"0\.\d{3,}", text):
        return ""
    value = float(text)
    for den in range(2, 13):
        num = round(value * den)
        if 0 < num < den and abs(value * den - num) < 0.002 * den:
            return f"{num}/{den}"
    return ""
