"""French text: dates, revision lines, money, numbers, counts, qualifiers, names.

Pure and table-driven: month and weekday names, number words, approximate
numbers ("une quinzaine") and qualifier words are data tables below. No
function raises on odd text; what cannot be read gives ``None`` or ``[]``.

Year rules for dates (``context`` is a revision timestamp):

- no year written: the year that puts the date at most ``FUTURE_DAYS`` (~2
  months) after the context, as close to it as possible; if a weekday is
  written, only years where that day has that weekday are candidates;
- a written year whose weekday does not match is a slip when a year at most
  one away matches the weekday (near the context if given): that year is
  used and ``year_corrected`` is set;
- with ``anchored=True`` (the text describes an event happening around the
  context, e.g. a meeting page written live) a written date more than
  ``SLIP_DAYS`` (~6 months) before the context, and no weekday to confirm it,
  is a slip: the year is inferred as if none were written.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import NamedTuple

__all__ = [
    "APPROX_WORDS",
    "MONTHS",
    "NUMBER_WORDS",
    "QUALIFIER_WORDS",
    "WEEKDAYS",
    "CountParse",
    "DateParse",
    "MoneyParse",
    "NumberParse",
    "RevisionLine",
    "find_counts",
    "find_dates",
    "find_months",
    "find_money",
    "find_numbers",
    "name_key",
    "normalize_name",
    "paris_to_utc",
    "parse_count",
    "parse_date",
    "parse_fraction",
    "parse_money",
    "parse_month",
    "parse_number",
    "parse_range",
    "parse_revision_line",
    "qualifier_of",
    "slug",
    "strip_accents",
]

# --------------------------------------------------------------------------
# Tables (keys without accents, lower case: lookups fold the text first)

# fmt: off
MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}
NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19,
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100,
}
# "une quinzaine" = about 15
APPROX_WORDS: dict[str, int] = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}
# "un tiers" = 1/3
FRACTION_WORDS: dict[str, int] = {
    "moitie": 2, "tiers": 3, "quart": 4, "quarts": 4, "cinquieme": 5, "cinquiemes": 5,
    "dixieme": 10,
}
# fmt: on
# Words just before a figure, checked in this order (regexes, end-anchored).
QUALIFIER_WORDS: tuple[tuple[str, str], ...] = (
    ("mean", r"(?:en\s+)?moyenne(?:\s+d[e'’])?"),
    ("at_least", r"plus\s+d[e'’]|au\s+moins|au\s+minimum|minimum|pas\s+moins\s+d[e'’]"),
    (
        "approx",
        r"environ|env\.?|~|≈|±|près\s+d[e'’]|à\s+peu\s+près|approximativement|"
        r"quelque|presque|autour\s+d[e'’]|une\s+bonne|un\s+bon",
    ),
)
# Nouns of people counted in prose, with inclusive-writing endings.
PERSON_NOUNS: tuple[str, ...] = (
    "participant", "personne", "présent", "inscrit", "membre", "pers",
)  # fmt: skip

FUTURE_DAYS = 62  # a date without year may lie this far after its revision
SLIP_DAYS = 183  # an anchored date this far before its revision has a slipped year
WEEKDAY_LOOKBACK_YEARS = 6  # how far back a weekday may place a date written without year

# --------------------------------------------------------------------------
# Accent-insensitive matching


def strip_accents(text: str) -> str:
    """Remove combining accents: ``"Dépenses"`` -> ``"Depenses"``."""
    if text.isascii():  # nothing to decompose, nothing combining
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _fold(text: str) -> str:
    return strip_accents(text).lower()


_ACCENTS = {"a": "aàâä", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "c": "cç", "y": "yÿ"}


def _loose(word: str) -> str:
    """A regex matching ``word`` with or without accents (use with IGNORECASE)."""
    out = []
    for char in word:
        variants = _ACCENTS.get(char)
        out.append(f"[{variants}]" if variants else re.escape(char))
    return "".join(out)


def _alternation(words: list[str] | dict[str, int]) -> str:
    return "|".join(_loose(w) for w in sorted(words, key=len, reverse=True))


_I = re.IGNORECASE
_MONTH = rf"(?:{_alternation(MONTHS)})\.?(?![\w])"
_WEEKDAY = rf"(?:{_alternation(WEEKDAYS)})\.?(?![\w])"


def _month_number(text: str) -> int:
    return MONTHS[_fold(text).rstrip(".")]


def _weekday_number(text: str | None) -> int | None:
    return WEEKDAYS.get(_fold(text).rstrip(".")) if text else None


# --------------------------------------------------------------------------
# Dates


@dataclass(frozen=True, slots=True)
class DateParse:
    """A date or date range found in text; ``matched`` is ``text[span[0]:span[1]]``."""

    start: date
    end: date
    year_inferred: bool
    year_corrected: bool
    matched: str
    span: tuple[int, int]


_DAY = r"(?P<{p}d>3[01]|[12]\d|0?[1-9])(?:\s?(?:er|ᵉʳ))?(?!\d)"
_TEXT_DATE = r"(?:(?P<{p}w>" + _WEEKDAY + r")\s+)?" + _DAY + r"\s+(?P<{p}m>" + _MONTH + r")"
_YEAR = r"(?:\s+(?P<{p}y>(?:19|20)\d\d)(?![\d:h]))?"
_TO = r"\s*(?:au|-|–|à|&|et)\s*(?:le\s+)?"
_DATE_FORMS: tuple[tuple[str, str], ...] = (
    # "du 30 novembre au 2 décembre 2017"
    (
        "cross",
        r"(?:du\s+)?"
        + _TEXT_DATE.format(p="a")
        + _YEAR.format(p="a")
        + _TO
        + _TEXT_DATE.format(p="b")
        + _YEAR.format(p="b"),
    ),
    # "21 au 23 mars 2017", "Vendredi 17 & Samedi 18 Novembre 2017", "17-18 novembre"
    (
        "same",
        r"(?:du\s+)?(?:(?P<cw>"
        + _WEEKDAY
        + r")\s+)?"
        + _DAY.format(p="c")
        + _TO
        + _TEXT_DATE.format(p="e")
        + _YEAR.format(p="e"),
    ),
    ("text", _TEXT_DATE.format(p="t") + _YEAR.format(p="t")),
    ("iso", r"(?<![\d/.-])(?P<iy>(?:19|20)\d\d)-(?P<im>[01]?\d)-(?P<id>[0-3]?\d)(?![\d/-])"),
    # "28/01/2016", "2/10/19", "Jeudi 28.01.2016"
    (
        "numeric",
        r"(?:(?P<nw>" + _WEEKDAY + r")\s+)?(?<![\d/.,-])(?P<nd>[0-3]?\d)(?P<ns>[/.-])"
        r"(?P<nm>[01]?\d)(?P=ns)(?P<ny>\d{4}|\d\d)(?![\d/]|[.,-]\d)",
    ),
    # "le 28/01", "jeudi 28/01": without year, only after "le" or a weekday
    ("short", r"(?:(?P<sw>" + _WEEKDAY + r")|\ble)\s+(?P<sd>[0-3]?\d)/(?P<sm>[01]?\d)(?![\d/])"),
)
_DATES = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _DATE_FORMS), _I)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _context_date(context: date | None) -> date | None:
    if context is None:
        return None
    if isinstance(context, datetime):
        if context.tzinfo is not None:
            return paris_local(context).date()
        return context.date()
    return context


def _closest(candidates: list[date], ref: date) -> date:
    """The latest candidate at most FUTURE_DAYS after ``ref``, else the earliest."""
    allowed = [c for c in candidates if (c - ref).days <= FUTURE_DAYS]
    return max(allowed) if allowed else min(candidates)


def _infer(day: int, month: int, weekday: int | None, ref: date) -> date | None:
    years = (ref.year - 1, ref.year, ref.year + 1)
    candidates = [d for y in years if (d := _valid(y, month, day))]
    if weekday is not None:
        matching = [d for d in candidates if d.weekday() == weekday]
        if not matching:
            # A page written up long after the meeting ("Lundi 21 Janvier" in a page
            # begun two years later): the weekday points to an earlier year.
            earlier = range(ref.year - 2, ref.year - 1 - WEEKDAY_LOOKBACK_YEARS, -1)
            matching = [d for y in earlier if (d := _valid(y, month, day))]
            matching = [d for d in matching if d.weekday() == weekday][:1]
        candidates = matching or candidates
    return _closest(candidates, ref) if candidates else None


def _resolve(
    day: int, month: int, year: int | None, weekday: int | None, ref: date | None, anchored: bool
) -> tuple[date, bool, bool] | None:
    """The date, whether its year was inferred, whether it was corrected."""
    if year is None:
        inferred = _infer(day, month, weekday, ref) if ref else None
        return (inferred, True, False) if inferred else None
    written = _valid(year, month, day)
    if written is None:
        return None
    if weekday is not None and written.weekday() != weekday:
        # a slipped year: the year before or after has the written weekday
        # (never both: a year shifts weekdays by one or two days)
        for slipped in (year - 1, year + 1):
            candidate = _valid(slipped, month, day)
            if candidate and candidate.weekday() == weekday:
                return candidate, False, True
    elif weekday is None and anchored and ref and (ref - written).days > SLIP_DAYS:
        inferred = _infer(day, month, None, ref)
        if inferred and (ref - inferred).days <= SLIP_DAYS:
            return inferred, False, True
    return written, False, False


def _two_digit(year: str) -> int:
    value = int(year)
    if len(year) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def _date_from_match(m: re.Match[str], ref: date | None, anchored: bool) -> DateParse | None:
    kind = m.lastgroup
    g = m.group
    start: tuple[date, bool, bool] | None
    year: int | None
    if kind == "cross":
        end_year = int(g("by")) if g("by") else None
        end = _resolve(
            int(g("bd")), _month_number(g("bm")), end_year, _weekday_number(g("bw")), ref, anchored
        )
        if end is None:
            return None
        year = int(g("ay")) if g("ay") else end[0].year
        first = _valid(year, _month_number(g("am")), int(g("ad")))
        if first and first > end[0] and not g("ay"):
            first = _valid(year - 1, first.month, first.day)
        if first is None or first > end[0] or (end[0] - first).days > 62:
            return None
        return DateParse(first, end[0], end[1], end[2], m.group(), m.span())
    if kind == "same":
        first_day, last_day = int(g("cd")), int(g("ed"))
        if last_day < first_day:
            return None
        weekday: int | None = _weekday_number(g("cw"))
        if weekday is None and g("ew"):
            weekday = (_weekday_number(g("ew")) or 0) - (last_day - first_day)
            weekday %= 7
        year = int(g("ey")) if g("ey") else None
        start = _resolve(first_day, _month_number(g("em")), year, weekday, ref, anchored)
        if start is None:
            return None
        last = _valid(start[0].year, start[0].month, last_day)
        if last is None:
            return None
        return DateParse(start[0], last, start[1], start[2], m.group(), m.span())
    if kind == "text":
        year = int(g("ty")) if g("ty") else None
        start = _resolve(
            int(g("td")), _month_number(g("tm")), year, _weekday_number(g("tw")), ref, anchored
        )
    elif kind == "iso":
        start = _resolve(int(g("id")), int(g("im")), int(g("iy")), None, ref, False)
    elif kind == "numeric":
        if g("ns") == "." and len(g("ny")) == 2:
            return None  # "3.10.19" reads as a version number more than a date
        start = _resolve(
            int(g("nd")), int(g("nm")), _two_digit(g("ny")), _weekday_number(g("nw")), ref, anchored
        )
    else:  # short
        start = _resolve(int(g("sd")), int(g("sm")), None, _weekday_number(g("sw")), ref, anchored)
    if start is None:
        return None
    return DateParse(start[0], start[0], start[1], start[2], m.group(), m.span())


def find_dates(
    text: str, context: date | None = None, *, anchored: bool = False
) -> list[DateParse]:
    """Every date and date range in ``text``, left to right.

    Args:
        text: any text.
        context: the revision timestamp, used to infer or correct years.
        anchored: the text describes an event around ``context`` (see module doc).
    """
    ref = _context_date(context)
    found = []
    for match in _DATES.finditer(text):
        parsed = _date_from_match(match, ref, anchored)
        if parsed is not None:
            found.append(parsed)
    return found


def parse_date(
    text: str, *, context: date | None = None, anchored: bool = False
) -> DateParse | None:
    """The first date (or date range) in ``text``, or ``None``."""
    for match in _DATES.finditer(text):
        parsed = _date_from_match(match, _context_date(context), anchored)
        if parsed is not None:
            return parsed
    return None


_MONTH_YEAR = re.compile(rf"(?<![\d\w])(?P<m>{_MONTH})\s+(?P<y>(?:19|20)\d\d)(?!\d)", _I)


def parse_month(text: str) -> tuple[int, int] | None:
    """The first "month year" in ``text`` as ``(year, month)``: "(août 2016)" -> (2016, 8)."""
    match = _MONTH_YEAR.search(text)
    if not match:
        return None
    return int(match.group("y")), _month_number(match.group("m"))


def find_months(text: str) -> list[tuple[int, int]]:
    """Every "month year" in ``text`` as ``(year, month)``, in order."""
    return [(int(m.group("y")), _month_number(m.group("m"))) for m in _MONTH_YEAR.finditer(text)]


# --------------------------------------------------------------------------
# Revision lines and Paris time

from wikibilan.paristime import paris_local, paris_to_utc  # noqa: E402  (re-exported)


class RevisionLine(NamedTuple):
    """A revision header read from a rendered page."""

    timestamp: datetime
    user: str | None
    is_ip: bool
    summary: str | None


_REVISION = re.compile(
    r"(?:(?:Révision|Version)\s+(?:datée\s+)?du|Dernière\s+version\s+du|Version\s+actuelle"
    r"(?:\s+en\s+date)?\s+du)\s+(?P<d>[0-3]?\d)(?:er)?\s+(?P<m>" + _MONTH + r")\s+"
    r"(?P<y>\d{4})\s+(?:à\s+)?(?P<H>[0-2]?\d)\s*[:h]\s*(?P<M>[0-5]\d)(?P<rest>.*)",
    _I,
)
_BY_USER = re.compile(
    r"\s*par\s+(?P<user>.+?)\s*\((?P<tools>[^()]*discussion[^()]*)\)(?P<after>.*)", _I
)


def _parenthesised(text: str) -> str | None:
    """The content of the parenthesised group ``text`` starts with."""
    text = text.strip()
    if not text.startswith("("):
        return None
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return text[1:i]
    return text[1:]


def parse_revision_line(text: str, *, utc_offset: timedelta | None = None) -> RevisionLine | None:
    """Read "Révision datée du 21 juillet 2016 à 14:39 par X (discussion | …) (summary)".

    Also "Version du 30 novembre 2017 à 15:40" (no user). Times are read as
    Europe/Paris and returned in UTC. MediaWiki renders them with one fixed
    offset (the server's at rendering time), so a copy made in winter shows
    summer times an hour early: pass ``utc_offset`` when it is known.
    """
    match = _REVISION.search(text)
    if not match:
        return None
    try:
        local = datetime(
            int(match.group("y")),
            _month_number(match.group("m")),
            int(match.group("d")),
            int(match.group("H")),
            int(match.group("M")),
        )
    except ValueError:
        return None
    stamp = paris_to_utc(local, utc_offset)
    user: str | None = None
    is_ip = False
    summary: str | None = None
    by = _BY_USER.match(match.group("rest"))
    if by:
        user = " ".join(by.group("user").split())
        try:
            ipaddress.ip_address(user)
            is_ip = True
        except ValueError:
            is_ip = False
        inner = _parenthesised(by.group("after"))
        if inner is not None:
            cleaned = " ".join(inner.translate({0x200E: None, 0x200F: None}).split())
            summary = cleaned.lstrip("→ ").strip() or None
            if summary == "diff":  # the navigation that follows, not a summary
                summary = None
    return RevisionLine(stamp, user, is_ip, summary)


# --------------------------------------------------------------------------
# Numbers, money, fractions


@dataclass(frozen=True, slots=True)
class NumberParse:
    """A number written in French ("1 022,66", "13,5", "2000")."""

    value: Decimal
    matched: str
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class MoneyParse:
    """An amount in euros with the qualifier written before it."""

    amount: Decimal
    qualifier: str
    matched: str
    span: tuple[int, int]


_GROUP = "[ \u00a0\u202f\u2009.]"
_NUMBER = (
    rf"(?<![\d/,.])[-−]?(?:\d{{1,3}}(?:{_GROUP}\d{{3}})+(?:,\d+)?|\d+(?:[,.]\d+)?)"
    r"(?![\d/]|[,.]\d)"
)
_NUMBERS = re.compile(_NUMBER)
_MONEY = re.compile(rf"(?P<n>{_NUMBER})\s*(?:€|euros?\b|eur\b)", _I)
_CENT = Decimal("0.01")


def _decimal(written: str) -> Decimal | None:
    """French digits to Decimal: the comma is the decimal mark; spaces (plain,
    no-break, narrow) and dots before groups of three digits group thousands."""
    text = re.sub(r"[ \u00a0\u202f\u2009]", "", written.replace("−", "-"))
    if "," in text or re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def find_numbers(text: str) -> list[NumberParse]:
    """Every number written with digits (not dates, not fractions like 1/3)."""
    found = []
    for match in _NUMBERS.finditer(text):
        value = _decimal(match.group())
        if value is not None:
            found.append(NumberParse(value, match.group(), match.span()))
    return found


def parse_number(text: str) -> Decimal | None:
    """The first number in ``text`` ("13,5" -> 13.5), or a number word alone ("trois")."""
    numbers = find_numbers(text)
    if numbers:
        return numbers[0].value
    word = _fold(text.strip())
    return Decimal(NUMBER_WORDS[word]) if word in NUMBER_WORDS else None


def find_money(text: str) -> list[MoneyParse]:
    """Every amount in euros, with two decimal places and its qualifier."""
    found = []
    for match in _MONEY.finditer(text):
        value = _decimal(match.group("n"))
        if value is None:
            continue
        qualifier = _qualifier_before(text[max(0, match.start() - 40) : match.start()]) or "exact"
        found.append(MoneyParse(value.quantize(_CENT), qualifier, match.group(), match.span()))
    return found


def parse_money(text: str) -> Decimal | None:
    """The first amount in euros ("1 022,66 €" -> Decimal("1022.66")), or ``None``."""
    found = find_money(text)
    return found[0].amount if found else None


_FRACTION = re.compile(r"(?<![\d/])(?P<a>\d+)\s*/\s*(?P<b>\d+)(?![\d/])")
_PERCENT = re.compile(rf"(?P<n>{_NUMBER})\s*%")
_FRACTION_WORDS = re.compile(
    rf"\b(?P<n>{_alternation(NUMBER_WORDS)}|la|\d+)\s+(?P<w>{_alternation(FRACTION_WORDS)})\b", _I
)


def parse_fraction(text: str) -> Fraction | None:
    """The first fraction: "1/3", "un tiers", "la moitié", "33 %" (as 33/100)."""
    candidates: list[tuple[int, Fraction]] = []
    match = _FRACTION.search(text)
    if match and int(match.group("b")):
        candidates.append((match.start(), Fraction(int(match.group("a")), int(match.group("b")))))
    match = _PERCENT.search(text)
    if match and (value := _decimal(match.group("n"))) is not None:
        candidates.append((match.start(), Fraction(value) / 100))
    match = _FRACTION_WORDS.search(text)
    if match:
        count = _fold(match.group("n"))
        numerator = 1 if count == "la" else NUMBER_WORDS.get(count) or int(count)
        candidates.append(
            (match.start(), Fraction(numerator, FRACTION_WORDS[_fold(match.group("w"))]))
        )
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


# --------------------------------------------------------------------------
# Qualifiers and ranges

_QUALIFIERS_BEFORE = [
    (name, re.compile(rf"(?:^|[^\w])(?:{words})\s*$", _I)) for name, words in QUALIFIER_WORDS
]
_APPROX_FIGURE = rf"(?:{_alternation(APPROX_WORDS)})s?"
_FIGURE = re.compile(rf"{_NUMBER}|(?<![\w])(?:{_APPROX_FIGURE})(?!\w)|(?<![\d/])\d+\s*/\s*\d+", _I)
_RANGE_NUMBER = r"\d+(?:[,.]\d+)?(?!\s*h\b|[\d:/])"
_RANGE = re.compile(
    rf"\b(?:de|entre)\s+(?P<a>{_RANGE_NUMBER})[^\d]{{0,40}}?\b(?:à|a|et)\s+(?P<b>{_RANGE_NUMBER})"
    rf"|(?<![\d,.])(?P<c>{_RANGE_NUMBER})\s*(?:à|–)\s*(?P<d>{_RANGE_NUMBER})",
    _I,
)
_RANGE_AFTER = re.compile(rf"{_RANGE_NUMBER}[^\d]{{0,40}}?\b(?:à|a|et)\s+{_RANGE_NUMBER}", _I)
_RANGE_BEFORE = re.compile(r"(?:^|[^\w])(?:de|entre)\s+$", _I)
_MEAN_AFTER = re.compile(r"^[^.;:()]{0,40}?\ben\s+moyenne\b", _I)


def _qualifier_before(prefix: str) -> str | None:
    for name, pattern in _QUALIFIERS_BEFORE:
        if pattern.search(prefix):
            return name
    return None


def qualifier_of(text: str) -> str:
    """How the first figure of ``text`` is qualified.

    ``"exact"``, ``"approx"`` ("environ", "env.", "~", "près de", "une
    quinzaine"…), ``"at_least"`` ("plus de", "au moins"), ``"mean"``
    ("moyenne de", "… en moyenne"), or ``"range"`` ("de 3 … à 21"). Only the
    words just before the first figure count (and "en moyenne" just after),
    so pass the clause of one figure.
    """
    figure = _FIGURE.search(text)
    if figure is None:
        for name, words in QUALIFIER_WORDS:
            if re.search(rf"(?:^|[^\w])(?:{words})(?:$|[^\w])", text, _I):
                return name
        return "exact"
    prefix = text[max(0, figure.start() - 40) : figure.start()]
    before = _qualifier_before(prefix)
    if before == "mean" or _MEAN_AFTER.search(text[figure.end() :]):
        return "mean"
    if _RANGE_BEFORE.search(prefix) and _RANGE_AFTER.match(text, figure.start()):
        return "range"
    if before:
        return before
    if re.fullmatch(_APPROX_FIGURE, figure.group(), _I):
        return "approx"
    return "exact"


def parse_range(text: str) -> tuple[Decimal, Decimal] | None:
    """The first range: "de 3 au démarrage à 21 au plus" -> (3, 21), "de 3 à 21", "3 à 21"."""
    match = _RANGE.search(text)
    if not match:
        return None
    low = _decimal(match.group("a") or match.group("c"))
    high = _decimal(match.group("b") or match.group("d"))
    if low is None or high is None:
        return None
    return low, high


# --------------------------------------------------------------------------
# Counts of people


@dataclass(frozen=True, slots=True)
class CountParse:
    """A count of people in prose: "10 personnes présentes", "une vingtaine de participants".

    ``noun`` is the counted noun's stem ("participant", "personne", …), empty
    for a bare approximate word ("une quinzaine").
    """

    value: int
    approximate: bool
    qualifier: str
    noun: str
    matched: str
    span: tuple[int, int]


_INCLUSIVE = r"(?:\(e\)|[⋅·.\-•∙]?e)?(?:\(s\)|[⋅·.\-•∙]?s)?"
_NOUN = rf"(?P<noun>{_alternation(list(PERSON_NOUNS))}){_INCLUSIVE}(?!\w)"
_TENS = _alternation(["vingt", "trente", "quarante", "cinquante", "soixante"])
_UNITS = _alternation(["deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"])
# "trente-deux", "vingt et un", or a single word ("un"/"une" are articles here)
_COUNT_WORDS = (
    rf"(?:{_TENS})(?:[- ]et[- ]un|-(?:{_UNITS}))?"
    rf"|{_alternation({w: n for w, n in NUMBER_WORDS.items() if n > 1})}"
)
# "Nous étions 9", "on était une douzaine": a count of the people there, noun implied.
_WE_WERE = r"\b(?P<we>nous\s+[ée]tions|on\s+[ée]tait|nous\s+sommes|on\s+est)\s+"
_COUNT = re.compile(
    rf"{_WE_WERE}(?:environ\s+|une\s+|un\s+)?(?P<wenum>\d+|{_COUNT_WORDS}|{_APPROX_FIGURE})(?!\w)"
    rf"|(?<![\w,.])(?P<num>\d+|{_COUNT_WORDS})\s+{_NOUN}"
    rf"|(?:\bun[e]?\s+)?(?:(?:bonne|petite|grosse|grande)\s+)?(?P<approx>{_APPROX_FIGURE})(?!\w)"
    rf"(?:\s+d(?:e\s+|['’]\s*){_NOUN.replace('noun', 'noun2')})?",
    _I,
)
# What every count contains (a person noun, an approximate figure, "nous étions"): most
# lines hold none, and this simpler pattern says so faster than _COUNT.
_COUNT_HINT = re.compile(rf"{_alternation(list(PERSON_NOUNS))}|{_APPROX_FIGURE}|{_WE_WERE}", _I)


def _word_value(word: str) -> int | None:
    folded = _fold(word)
    if folded.isdigit():
        return int(folded)
    if folded in NUMBER_WORDS:
        return NUMBER_WORDS[folded]
    parts = re.split(r"[- ]+", folded)
    tens = NUMBER_WORDS.get(parts[0])
    if tens is None:
        return None
    if parts[-1] == "un":
        return tens + 1
    return tens + NUMBER_WORDS.get(parts[-1], 0)


def _stem(noun: str | None) -> str:
    if not noun:
        return ""
    folded = _fold(noun)
    return next((n for n in PERSON_NOUNS if _fold(n) == folded), folded)


def find_counts(text: str) -> list[CountParse]:
    """Every count of people (or approximate number word) in ``text``."""
    found: list[CountParse] = []
    if not _COUNT_HINT.search(text):
        return found
    for match in _COUNT.finditer(text):
        prefix = text[max(0, match.start() - 40) : match.start()]
        if match.group("we"):
            word = match.group("wenum")
            folded = _fold(word).rstrip("s")
            approx = folded in APPROX_WORDS
            value = APPROX_WORDS[folded] if approx else _word_value(word)
            if value is not None:
                qualifier = "approx" if approx else "exact"
                found.append(
                    CountParse(value, approx, qualifier, "personne", match.group(), match.span())
                )
            continue
        if match.group("approx"):
            value = APPROX_WORDS[_fold(match.group("approx")).rstrip("s")]
            noun = _stem(match.group("noun2"))
            found.append(CountParse(value, True, "approx", noun, match.group(), match.span()))
            continue
        number = _word_value(match.group("num"))
        if number is None:
            continue
        qualifier = _qualifier_before(prefix) or "exact"
        found.append(
            CountParse(
                number,
                qualifier == "approx",
                qualifier,
                _stem(match.group("noun")),
                match.group(),
                match.span(),
            )
        )
    return found


def parse_count(text: str) -> CountParse | None:
    """The first count of people in ``text``, or ``None``."""
    found = find_counts(text)
    return found[0] if found else None


# --------------------------------------------------------------------------
# Names

_NAME_TRANSLATE = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-"})
_NAME_STRIP = ' \t,;:*•·–—"«»“”()[]{}'
_KEY_SEPARATORS = re.compile(r"[-‐‑'’ʼ.]")


def normalize_name(text: str) -> str:
    """Tidy a raw name: NFC, one kind of apostrophe and hyphen, spaces collapsed,
    surrounding punctuation removed (a final dot only after a full word)."""
    name = " ".join(unicodedata.normalize("NFC", text).translate(_NAME_TRANSLATE).split())
    name = name.strip(_NAME_STRIP + "-'")
    if name.endswith(".") and not re.search(r"(?:^|\s)\w\.$", name):
        name = name.rstrip(".").rstrip(_NAME_STRIP)
    return name


def name_key(name: str) -> str:
    """The matching key of docs/FRAMES.md: "Marie-Anne Dupont" -> "marie anne d".

    Lower case, accents removed, hyphens, dots and apostrophes as spaces,
    spaces collapsed; with two words or more, the last one is cut to its
    initial. (The cross-page step, "marie" -> "marie d", is not done here.)
    """
    words = _KEY_SEPARATORS.sub(" ", strip_accents(name.lower())).split()
    if len(words) >= 2:
        return " ".join([*words[:-1], words[-1][0]])
    return words[0] if words else ""


def slug(text: str) -> str:
    """ASCII lower-case words joined by ``-``: "Présent-e-s !" -> "present-e-s"."""
    return re.sub(r"[^a-z0-9]+", "-", _fold(text)).strip("-")
