"""French text: dates, times, months, numbers, money, counts, qualifiers, names, IP addresses.

The bottom of the core: sources and extractors alike read French through it.
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

from wikibilan.paristime import paris_local, paris_to_utc

__all__ = [
    "AMOUNT",
    "APPROX_WORDS",
    "MONTHS",
    "NUMBER",
    "NUMBER_WORDS",
    "QUALIFIER_WORDS",
    "WEEKDAYS",
    "CountParse",
    "DateParse",
    "find_counts",
    "find_dates",
    "find_months",
    "is_ip",
    "name_key",
    "parse_count",
    "parse_datetime",
    "parse_decimal",
    "parse_month",
    "qualifier_before",
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
    # "du 3 au 5/06/2016", "3-5/06/16"
    (
        "numeric_range",
        r"(?:du\s+)?(?<![\d/.,-])(?P<rd>[0-3]?\d)\s*(?:au|-|–)\s*(?P<re>[0-3]?\d)/(?P<rm>[01]?\d)"
        r"/(?P<ry>\d{4}|\d\d)(?![\d/])",
    ),
    # "28/01/2016", "2/10/19", "Jeudi 28.01.2016"
    (
        "numeric",
        r"(?:(?P<nw>" + _WEEKDAY + r")\s+)?(?<![\d/.,-])(?P<nd>[0-3]?\d)(?P<ns>[/.-])"
        r"(?P<nm>[01]?\d)(?P=ns)(?P<ny>\d{4}|\d\d)(?![\d/]|[.,-]\d)",
    ),
    # "le 28/01", "jeudi 28/01": without year, only after "le" or a weekday
    ("short", r"(?:(?P<sw>" + _WEEKDAY + r")|\ble)\s+(?P<sd>[0-3]?\d)/(?P<sm>[01]?\d)(?![\d/])"),
    # "le mardi 12": a weekday and a day of the month, no month (the nearest such day)
    (
        "weekday_day",
        r"(?P<xw>" + _WEEKDAY + r")\s+(?P<xd>[0-3]?\d)(?:\s?(?:er|ᵉʳ))?"
        r"(?!\d|\s*(?:/|\.\d|h\b|:\d)|\s+(?:" + _MONTH + r"))",
    ),
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
        if g("ew") and not g("cw") and last_day - first_day > 6:
            # "Séance 1 - mercredi 23 mai": a number before a dated day, not a range
            year = int(g("ey")) if g("ey") else None
            one = _resolve(
                last_day, _month_number(g("em")), year, _weekday_number(g("ew")), ref, anchored
            )
            if one is None:
                return None
            return DateParse(one[0], one[0], one[1], one[2], m.group(), m.span())
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
    elif kind == "numeric_range":
        first = _valid(_two_digit(g("ry")), int(g("rm")), int(g("rd")))
        last = _valid(_two_digit(g("ry")), int(g("rm")), int(g("re")))
        if first is None or last is None or last < first:
            return None
        return DateParse(first, last, False, False, m.group(), m.span())
    elif kind == "weekday_day":
        found = _nearest_weekday_day(int(g("xd")), _weekday_number(g("xw")), ref)
        if found is None:
            return None
        return DateParse(found, found, True, False, m.group(), m.span())
    else:  # short
        start = _resolve(int(g("sd")), int(g("sm")), None, _weekday_number(g("sw")), ref, anchored)
    if start is None:
        return None
    return DateParse(start[0], start[0], start[1], start[2], m.group(), m.span())


_DIGIT = re.compile(r"\d")


def find_dates(
    text: str, context: date | None = None, *, anchored: bool = False
) -> list[DateParse]:
    """Every date and date range in ``text``, left to right.

    Args:
        text: any text.
        context: the revision timestamp, used to infer or correct years.
        anchored: the text describes an event around ``context`` (see module doc).
    """
    if not _DIGIT.search(text):  # every date form holds a digit; most lines hold none
        return []
    ref = _context_date(context)
    found = []
    for match in _DATES.finditer(text):
        parsed = _date_from_match(match, ref, anchored)
        if parsed is not None:
            found.append(parsed)
    return found


NEAREST_DAYS = 45  # "mardi 12" with no month: the nearest such day this close to the context


def _nearest_weekday_day(day: int, weekday: int | None, ref: date | None) -> date | None:
    """The date nearest ``ref`` that is day ``day`` of its month and a ``weekday``."""
    if ref is None or weekday is None:
        return None
    near = [ref + timedelta(days=n) for n in range(-NEAREST_DAYS, NEAREST_DAYS + 1)]
    fits = [d for d in near if d.day == day and d.weekday() == weekday]
    return min(fits, key=lambda d: abs((d - ref).days)) if fits else None


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
# Dates with a time, as MediaWiki writes them; who wrote a revision

_DATE_TIME = re.compile(
    rf"(?P<d>\d{{1,2}})(?:er)?\s+(?P<m>{_MONTH})\s+(?P<y>\d{{4}})\s*(?:à|,)?\s*"
    rf"(?P<H>\d{{1,2}})\s*[:h]\s*(?P<M>\d{{2}})"
    rf"|(?P<H2>\d{{1,2}})\s*[:h]\s*(?P<M2>\d{{2}}),?\s+(?P<d2>\d{{1,2}})(?:er)?\s+"
    rf"(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})",
    _I,
)
_MARKS = str.maketrans({"\u200e": None, "\u200f": None, "\xa0": " "})


def parse_datetime(text: str, utc_offset: timedelta | None = None) -> datetime | None:
    """The first "21 juillet 2016 à 14:39" (or "14:39, 21 juillet 2016") in ``text``, in UTC.

    Read as Europe/Paris wall time, unless ``utc_offset`` gives the offset the
    text was written in (MediaWiki renders a page's dates with one offset).
    """
    match = _DATE_TIME.search(text.translate(_MARKS))
    if not match:
        return None
    g = match.groupdict()
    day, month, year = (g["d"], g["m"], g["y"]) if g["d"] else (g["d2"], g["m2"], g["y2"])
    hour, minute = (g["H"], g["M"]) if g["d"] else (g["H2"], g["M2"])
    try:
        local = datetime(int(year), _month_number(month), int(day), int(hour), int(minute))
    except (ValueError, KeyError):
        return None
    return paris_to_utc(local, utc_offset)


def is_ip(name: str | None) -> bool:
    """Whether a user name is an IP address (an edit made without an account)."""
    try:
        ipaddress.ip_address(name or "")
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------
# Numbers and money

# A figure as a report writes it: "1 022,66", "13,5", "2000" (spaces group thousands).
NUMBER = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# An amount of money as written before "€": cents at most.
AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})*(?:,\d{1,2})?|\d+(?:,\d{1,2})?"


def parse_decimal(text: str) -> Decimal | None:
    """Read one number ("1 022,66", "13,5", "13.5") as a Decimal; ``None`` if it is not one.

    Spaces of any kind are dropped and the comma is the decimal mark.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return None if value.is_snan() else value


# --------------------------------------------------------------------------
# Qualifiers

_QUALIFIERS_BEFORE = [
    (name, re.compile(rf"(?:^|[^\w])(?:{words})\s*$", _I)) for name, words in QUALIFIER_WORDS
]
_APPROX_FIGURE = rf"(?:{_alternation(APPROX_WORDS)})s?"


def qualifier_before(prefix: str) -> str | None:
    """How the words just before a figure qualify it ("environ " -> ``"approx"``), if they do.

    ``"approx"``, ``"at_least"`` ("plus de", "au moins") or ``"mean"`` ("moyenne
    de"): the text a figure follows, ending where the figure starts.
    """
    for name, pattern in _QUALIFIERS_BEFORE:
        if pattern.search(prefix):
            return name
    return None


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
        qualifier = qualifier_before(prefix) or "exact"
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

_KEY_SEPARATORS = re.compile(r"[-‐‑'’ʼ.]")


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
