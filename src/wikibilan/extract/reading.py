"""What one page says on its own: dates, place, counts, people, marks, dated lines.

``read_page`` looks at one revision and nothing else; deciding whether the page
records a gathering, and which, needs the other pages too (``plan.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from wikibilan.document import Block, Document
from wikibilan.extract.attendance import NEXT_LABEL, Listed, list_people
from wikibilan.extract.rows import Provenance, WarningRow
from wikibilan.extract.vocabulary import Vocabulary, any_match
from wikibilan.french import DateParse, find_dates, parse_count
from wikibilan.titles import normalize_title

_DATE_LINE = re.compile(r"^\s*(?:date|quand)\s*(?:\?\s*:?|:)", re.IGNORECASE)
OPENING_BLOCKS = 5  # the lines a page opens with: where its own date and place are
_DATE_LEAD = 16  # a line "opens with" a date found this close to its start ("Session du …")
# "au Mutualab" -> "Mutualab"; "chez Gwenaëlle" keeps its "chez" (a home, not a venue)
_PREPOSITION = re.compile(r"^(?:[Aa]ux?|[àÀ] la|[àÀ] l['’]|[àÀ])\s*(?<=\s|['’])")
_TITLE_DAY_MONTH = re.compile(r"(?<![\d/])[0-3]?\d/[01]?\d$")
_BARE_TOTAL = re.compile(
    r"\b(\d{1,4})\s+en\s+tout\b|\b(?:en tout|au total)\s*[,:]?\s*(\d{1,4})\b", re.I
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_HEAD_SEP = re.compile(r"\s*(?::|–|—|\s-\s)\s*")


@dataclass(frozen=True, slots=True)
class DatedLine:
    """A bullet or heading that opens with a date: a hub's entry, a workshop's session."""

    start: date
    end: date
    text: str
    links: tuple[str, ...]
    count: int | None
    where: Provenance
    section: tuple[str, ...]
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """What a page says on its own (see the module doc)."""

    title: str
    revid: int
    title_date: DateParse | None
    own_date: DateParse | None
    own_date_where: Provenance | None
    later_date: DateParse | None
    later_date_where: Provenance | None
    place: str
    people: tuple[Listed, ...]
    n_stated: int | None
    marks: int
    opening: str
    dated_lines: tuple[DatedLine, ...]
    categories: tuple[str, ...]
    warnings: tuple[WarningRow, ...]
    links: tuple[str, ...] = ()  # every page it links to (normalised titles)

    @property
    def has_people(self) -> bool:
        return self.n_stated is not None or any(p.role != "interested" for p in self.people)


def where_of(doc: Document, block: Block | None) -> Provenance:
    if block is None:
        return Provenance(doc.title, doc.revid, "", None)
    return Provenance(doc.title, doc.revid, " > ".join(block.section), block.line)


def _body(doc: Document) -> list[Block]:
    return [b for b in doc.blocks if b.kind != "heading" or b.level > 1]


_PRACTICAL_LINES = 2  # lines under a "Rendez-vous" heading that say when and where


def _opening(doc: Document, vocab: Vocabulary) -> list[Block]:
    """The lines that say when and where: the page's first ones, and those under a
    practical heading ("Rendez-vous", "Date", "Lieu") wherever it stands."""
    blocks = _body(doc)
    out = blocks[:OPENING_BLOCKS]
    for i, b in enumerate(blocks):
        if b.kind == "heading" and any_match(vocab.practical_headings, b.text):
            out += [x for x in blocks[i + 1 : i + 1 + _PRACTICAL_LINES] if x.kind != "heading"]
    return list(dict.fromkeys(out))


def _dates_in(text: str, context: datetime, vocab: Vocabulary) -> list[DateParse]:
    if any_match(vocab.next_date, text):
        return []
    return find_dates(text, context=context, anchored=True)


def _own_date(
    doc: Document, context: datetime, vocab: Vocabulary
) -> tuple[DateParse | None, Block | None, DateParse | None, Block | None]:
    """The page's date from a "Date :" line or its opening lines; else a later one."""
    blocks = _body(doc)
    opening = _opening(doc, vocab)
    # a date in a bullet of the opening is a list's entry (a reading list, a session)
    ordered = [b for b in blocks if _DATE_LINE.match(b.text)]
    ordered += [b for b in opening if b.kind != "item"]
    for block in ordered:
        found = _dates_in(block.text, context, vocab)
        if found:
            return found[0], block, None, None
    for block in (b for b in blocks if b not in opening):
        if block.kind == "item" and _dated_line(block, context) is not None:
            continue  # a list entry (a hub's, a session's), not the page's own date
        found = _dates_in(block.text, context, vocab)
        if found:
            return None, None, found[0], block
    return None, None, None, None


def _place(doc: Document, vocab: Vocabulary) -> str:
    for block in doc.blocks:
        for rx in vocab.place_label:
            m = rx.search(block.text)
            if m and block.text[m.end() :].strip():
                return NEXT_LABEL.split(block.text[m.end() :], maxsplit=1)[0].strip()
    for block in _opening(doc, vocab):
        if block.kind != "heading":
            place = place_in(block.text, vocab)
            if place:
                return place
    return ""


def place_in(text: str, vocab: Vocabulary) -> str:
    """The place an unlabelled line names ("… au Mutualab", "Le Polder, café …"), or ""."""
    for sentence in _SENTENCE.split(text):
        found = [m for rx in vocab.place_opening if (m := rx.search(sentence))]
        if found:  # the place named first on the line
            m = min(found, key=lambda m: m.start("place"))
            place = _PREPOSITION.sub("", m.group("place"))
            for end in vocab.place_end:
                place = end.split(place, maxsplit=1)[0]
            return place.strip(" ,")
    return ""


def _stated_count(doc: Document, context: datetime, vocab: Vocabulary) -> int | None:
    """A participant count written in prose: an explicit total wins over earlier counts."""
    first: int | None = None
    in_list = in_workshops = False
    for block in doc.blocks:
        if block.kind == "heading":
            in_list = vocab.role_of_heading(block.text) is not None
            in_workshops = any_match(vocab.workshop_headings, block.text)
            continue
        if (block.kind == "item" and (in_list or in_workshops)) or any_match(
            vocab.next_date, block.text
        ):
            continue  # people in a list are counted by name; a workshop's are its own
        if any_match(vocab.workshop_in_text, block.text):
            continue
        if block.kind == "item" and _dated_line(block, context) is not None:
            continue  # a session's or an entry's count, not the page's
        parsed = parse_count(block.text)
        total = any_match(vocab.total_marks, block.text)
        if total and (parsed is None or not parsed.noun):
            bare = _BARE_TOTAL.search(block.text)  # "sans doute 20 en tout"
            if bare:
                return int(bare.group(1) or bare.group(2))
        if parsed is None or not parsed.noun:
            continue
        if total:
            return int(parsed.value)
        if first is None:
            first = int(parsed.value)
    return first


def _marks(doc: Document, vocab: Vocabulary) -> int:
    heads = [b.text for b in doc.blocks if b.kind == "heading"]
    heads += [b.text for b in _body(doc)[:OPENING_BLOCKS]]
    return sum(1 for text in heads if any_match(vocab.meeting_marks, text))


def _dated_line(block: Block, context: datetime) -> tuple[DateParse, str] | None:
    """The date a line opens with and the text after it, or None.

    ``* 12 mai 2016 : …`` (a date before a separator), ``* Le 24 mai 2016 à 14h au …``
    and ``== Session du 12 avril ==`` (a date among the first words).
    """
    found = find_dates(block.text, context=context)
    if not found:
        return None
    first = found[0]
    parts = _HEAD_SEP.split(block.text, maxsplit=1)
    head_ends = len(parts[0])
    if len(parts) == 2 and first.span[1] <= head_ends <= len(first.matched) + 25:
        return first, parts[1].strip()
    if first.span[0] <= _DATE_LEAD:
        return first, block.text[first.span[1] :].strip(" ,:-")
    return None


def _dated_lines(doc: Document, context: datetime) -> list[DatedLine]:
    """Bullets and headings that open with a date (hub entries, workshop sessions)."""
    out = []
    for block in doc.blocks:
        if block.kind not in ("item", "heading") or (block.kind == "heading" and block.level < 2):
            continue
        dated = _dated_line(block, context)
        if dated is None:
            continue
        found, text = dated
        where = where_of(doc, block)
        if block.kind == "heading":
            text = block.text  # the people under it are found by its name
            # what stands under a heading is in its section: so is the heading's own line
            where = replace(where, section=" > ".join((*block.section, block.text)))
        count = parse_count(text)
        links = tuple(t for t in (normalize_title(x) for x in block.links) if t)
        out.append(
            DatedLine(
                found.start,
                found.end,
                text,
                links,
                int(count.value) if count and count.noun else None,
                where,
                block.section,
                block.kind == "heading",
            )
        )
    return out


def read_page(doc: Document, context: datetime, vocab: Vocabulary) -> Reading:
    """Read what ``doc`` says on its own; ``context`` is its first revision's time."""
    title_found = find_dates(doc.title, context=context, anchored=True)
    bare = None if title_found else _TITLE_DAY_MONTH.search(doc.title)
    if bare:  # "CR 12/01": a title is a label, a bare day/month in it is a date
        title_found = find_dates(f"le {bare.group()}", context=context, anchored=True)
    own, own_block, later, later_block = _own_date(doc, context, vocab)
    people, warnings = list_people(doc, vocab)
    opening = " ".join(b.text for b in _opening(doc, vocab) if b.kind != "heading")
    return Reading(
        title=doc.title,
        revid=doc.revid,
        title_date=title_found[0] if title_found else None,
        own_date=own,
        own_date_where=where_of(doc, own_block) if own else None,
        later_date=later,
        later_date_where=where_of(doc, later_block) if later else None,
        place=_place(doc, vocab),
        people=tuple(people),
        n_stated=_stated_count(doc, context, vocab),
        marks=_marks(doc, vocab),
        opening=opening,
        dated_lines=tuple(_dated_lines(doc, context)),
        categories=doc.categories,
        warnings=tuple(warnings),
        links=tuple(
            dict.fromkeys(t for b in doc.blocks for t in map(normalize_title, b.links) if t)
        ),
    )
