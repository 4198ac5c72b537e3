"""French text: dates, times, months, numbers, counts, qualifiers, names, IP addresses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikibilan.french import (
    AMOUNT,
    NUMBER,
    CountParse,
    DateParse,
    find_counts,
    find_dates,
    is_ip,
    name_key,
    parse_count,
    parse_datetime,
    parse_decimal,
    parse_month,
    qualifier_before,
    slug,
    strip_accents,
)
from wikibilan.paristime import paris_to_utc

D = date
JUL_2016 = datetime(2016, 7, 21, 12, 39, tzinfo=UTC)
AUG_2016 = datetime(2016, 8, 10, 9, 0)
JAN_2016 = datetime(2016, 1, 20, 17, 0, tzinfo=UTC)
MAR_2017 = datetime(2017, 3, 1)
NOV_2017 = datetime(2017, 11, 1)

# --------------------------------------------------------------------------
# Dates: (text, context, anchored) -> (start, end, inferred, corrected, matched)

DATE_CASES = [
    ("Compte-rendu de la rencontre du 28/01/2016", None, False,
     (D(2016, 1, 28), D(2016, 1, 28), False, False, "28/01/2016")),
    ("Assemblée des Communs de Lille 2/10/19", None, False,
     (D(2019, 10, 2), D(2019, 10, 2), False, False, "2/10/19")),
    ("le 21 Juillet", JUL_2016, False,
     (D(2016, 7, 21), D(2016, 7, 21), True, False, "21 Juillet")),
    ("Jeudi 18 août de 12h à 16h", AUG_2016, False,
     (D(2016, 8, 18), D(2016, 8, 18), True, False, "Jeudi 18 août")),
    ("Jeudi 27 octobre 2016 12h à 16h", None, False,
     (D(2016, 10, 27), D(2016, 10, 27), False, False, "Jeudi 27 octobre 2016")),
    ("21 au 23 mars 2017", None, False,
     (D(2017, 3, 21), D(2017, 3, 23), False, False, "21 au 23 mars 2017")),
    ("Vendredi 17 & Samedi 18 Novembre 2017", None, False,
     (D(2017, 11, 17), D(2017, 11, 18), False, False, "Vendredi 17 & Samedi 18 Novembre 2017")),
    ("17-18 novembre 2017", None, False,
     (D(2017, 11, 17), D(2017, 11, 18), False, False, "17-18 novembre 2017")),
    ("les 48h du 21 au 23 mars", MAR_2017, False,
     (D(2017, 3, 21), D(2017, 3, 23), True, False, "du 21 au 23 mars")),
    ("1er avril 2017", None, False, (D(2017, 4, 1), D(2017, 4, 1), False, False, "1er avril 2017")),
    ("30 novembre 2017 à 15:40", None, False,
     (D(2017, 11, 30), D(2017, 11, 30), False, False, "30 novembre 2017")),
    ("du 30 décembre au 2 janvier 2018", None, False,
     (D(2017, 12, 30), D(2018, 1, 2), False, False, "du 30 décembre au 2 janvier 2018")),
    ("2017-11-30", None, False, (D(2017, 11, 30), D(2017, 11, 30), False, False, "2017-11-30")),
    ("le 28/01", JAN_2016, False, (D(2016, 1, 28), D(2016, 1, 28), True, False, "le 28/01")),
    ("15 DÉCEMBRE 2016", None, False,
     (D(2016, 12, 15), D(2016, 12, 15), False, False, "15 DÉCEMBRE 2016")),
    ("1er fevrier 2017", None, False,
     (D(2017, 2, 1), D(2017, 2, 1), False, False, "1er fevrier 2017")),
    ("12 Aout 2016", None, False, (D(2016, 8, 12), D(2016, 8, 12), False, False, "12 Aout 2016")),
    ("3 sept. 2016", None, False, (D(2016, 9, 3), D(2016, 9, 3), False, False, "3 sept. 2016")),
    # no year: at most ~2 months after the context, else the year before
    ("le 15 décembre", datetime(2017, 1, 5), False,
     (D(2016, 12, 15), D(2016, 12, 15), True, False, "15 décembre")),
    ("le 3 janvier", datetime(2016, 11, 20), False,
     (D(2017, 1, 3), D(2017, 1, 3), True, False, "3 janvier")),
    ("le 3 janvier", datetime(2016, 10, 1), False,
     (D(2016, 1, 3), D(2016, 1, 3), True, False, "3 janvier")),
    # the weekday picks the year (Thursday 18 August: 2016, not 2017)
    ("Jeudi 18 août", datetime(2017, 6, 1), False,
     (D(2016, 8, 18), D(2016, 8, 18), True, False, "Jeudi 18 août")),
    ("Vendredi 17 et samedi 18 novembre", NOV_2017, False,
     (D(2017, 11, 17), D(2017, 11, 18), True, False, "Vendredi 17 et samedi 18 novembre")),
    ("17 et samedi 18 novembre", datetime(2018, 1, 10), False,
     (D(2017, 11, 17), D(2017, 11, 18), True, False, "17 et samedi 18 novembre")),
    # slips: the weekday says 2016; or an anchored date is a year before its page
    ("Jeudi 28/01/2015", JAN_2016, False,
     (D(2016, 1, 28), D(2016, 1, 28), False, True, "Jeudi 28/01/2015")),
    ("Jeudi 28 janvier 2015", None, False,
     (D(2016, 1, 28), D(2016, 1, 28), False, True, "Jeudi 28 janvier 2015")),
    ("28/01/2015", JAN_2016, True, (D(2016, 1, 28), D(2016, 1, 28), False, True, "28/01/2015")),
    ("28/01/2015", JAN_2016, False, (D(2015, 1, 28), D(2015, 1, 28), False, False, "28/01/2015")),
    ("Mercredi 28/01/2015", JAN_2016, True,
     (D(2015, 1, 28), D(2015, 1, 28), False, False, "Mercredi 28/01/2015")),
    ("Jeudi 27/01/2016", None, False,
     (D(2016, 1, 27), D(2016, 1, 27), False, False, "Jeudi 27/01/2016")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "context", "anchored", "expected"), DATE_CASES)
def test_first_date(text, context, anchored, expected):
    found = next(iter(find_dates(text, context, anchored=anchored)), None)
    assert found is not None
    start, end, inferred, corrected, matched = expected
    assert (found.start, found.end, found.year_inferred, found.year_corrected) == (
        start,
        end,
        inferred,
        corrected,
    )
    assert found.matched == matched
    assert text[found.span[0] : found.span[1]] == matched


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2017",
        "1/3",
        "13,5 participants",
        "le 21 Juillet",  # no year and no context
        "de 12h à 16h",
        "version 3.10.19",
        "Novembre 2015",
        "23 au 21 mars 2017",
        "",
    ],
)
def test_no_date(text):
    assert find_dates(text) == []


def test_find_dates_in_order():
    text = "Jeudi 18 août de 12h à 16h, puis le 25 août 2016 ; relance le 2/10/19."
    found = find_dates(text, AUG_2016)
    assert [(d.start, d.matched) for d in found] == [
        (D(2016, 8, 18), "Jeudi 18 août"),
        (D(2016, 8, 25), "25 août 2016"),
        (D(2019, 10, 2), "2/10/19"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Location salle Baraka (août 2016) : 159,20€", (2016, 8)),
        ("Novembre 2015 : première réunion", (2015, 11)),
        ("(Décembre 2016)", (2016, 12)),
        ("rien", None),
    ],
)
def test_parse_month(text, expected):
    assert parse_month(text) == expected


# --------------------------------------------------------------------------
# Dates with a time (Europe/Paris wall time -> UTC), IP addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Révision datée du 21 juillet 2016 à 14:39 par Jean Dupont (discussion | "
         "contributions) (Présentations : compte rendu en direct)",
         datetime(2016, 7, 21, 12, 39, tzinfo=UTC)),
        ("Version du 30 novembre 2017 à 15:40", datetime(2017, 11, 30, 14, 40, tzinfo=UTC)),
        ("Révision datée du 2 février 2016 à 09:05 par 192.0.2.15 (discussion)",
         datetime(2016, 2, 2, 8, 5, tzinfo=UTC)),
        ("Version actuelle en date du 1er mars 2019 à 10:00",
         datetime(2019, 3, 1, 9, 0, tzinfo=UTC)),
        ("14:39, 21 juillet 2016", datetime(2016, 7, 21, 12, 39, tzinfo=UTC)),
        ("1er\u00a0août\u00a02016 à 14h39", datetime(2016, 8, 1, 12, 39, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


def test_parse_datetime_with_a_known_offset():
    when = parse_datetime("Version du 18 mai 2017 à 13:39", utc_offset=timedelta(hours=1))
    assert when == datetime(2017, 5, 18, 12, 39, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "Version du 31 février 2017 à 10:00", "Révision datée"])
def test_parse_datetime_none(text):
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("192.0.2.15", True), ("2001:db8::1", True), ("Jean Dupont", False), ("", False),
     (None, False), ("192.0.2", False)],
)  # fmt: skip
def test_is_ip(name, expected):
    assert is_ip(name) is expected


def test_paris_fallback_rules_agree_with_the_tz_database():
    from wikibilan import paristime

    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2015, 1, 1, 0, 30)
    while moment.year < 2025:
        expected = moment.replace(tzinfo=paris).utcoffset()
        # skip the hour that does not exist and the one that happens twice
        if moment.replace(tzinfo=paris).astimezone(UTC).astimezone(paris).hour == moment.hour:
            assert paristime._paris_offset_of_local(moment) == expected, moment
        moment += timedelta(hours=7, minutes=13)
    assert paris_to_utc(datetime(2016, 3, 27, 3, 30)) == datetime(2016, 3, 27, 1, 30, tzinfo=UTC)


# --------------------------------------------------------------------------
# Numbers and money

NUMBER_CASES = [
    ("13,5", Decimal("13.5")),
    ("1 022,66", Decimal("1022.66")),
    ("1\u202f022,66", Decimal("1022.66")),
    ("1\u00a0250", Decimal("1250")),
    ("2000", Decimal("2000")),
    ("13.5", Decimal("13.5")),
    ("-4", Decimal("-4")),
    ("1/3", None),
    ("trois", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "number", "amount"),
    [("1 022,66", True, True), ("13,5", True, True), ("2000", True, True),
     ("159,20", True, True), ("12,345", True, False), ("1 02", False, False)],
)  # fmt: skip
def test_number_and_amount_patterns(text, number, amount):
    assert bool(re.fullmatch(NUMBER, text)) is number
    assert bool(re.fullmatch(AMOUNT, text)) is amount


# --------------------------------------------------------------------------
# Counts, qualifiers, ranges

COUNT_CASES = [
    ("10 personnes présentes", (10, False, "exact", "personne", "10 personnes")),
    ("21 personnes sont passées", (21, False, "exact", "personne", "21 personnes")),
    ("Nous étions une bonne vingtaine de participants.",
     (20, True, "approx", "participant", "une bonne vingtaine de participants")),
    ("une quinzaine", (15, True, "approx", "", "une quinzaine")),
    ("une dizaine", (10, True, "approx", "", "une dizaine")),
    ("une quinzaine d'acteurs locaux", (15, True, "approx", "", "une quinzaine")),
    ("3 participant⋅e⋅s", (3, False, "exact", "participant", "3 participant⋅e⋅s")),
    ("3 participant·e·s", (3, False, "exact", "participant", "3 participant·e·s")),
    ("4 participant-e-s", (4, False, "exact", "participant", "4 participant-e-s")),
    ("5 participant.e.s", (5, False, "exact", "participant", "5 participant.e.s")),
    ("6 participantes", (6, False, "exact", "participant", "6 participantes")),
    ("7 participant(e)s", (7, False, "exact", "participant", "7 participant(e)s")),
    ("8 présent-e-s", (8, False, "exact", "présent", "8 présent-e-s")),
    ("9 Présents", (9, False, "exact", "présent", "9 Présents")),
    ("12 inscrits", (12, False, "exact", "inscrit", "12 inscrits")),
    ("environ 20 personnes", (20, True, "approx", "personne", "20 personnes")),
    ("plus de 30 personnes", (30, False, "at_least", "personne", "30 personnes")),
    ("trois personnes", (3, False, "exact", "personne", "trois personnes")),
    ("trente-deux personnes", (32, False, "exact", "personne", "trente-deux personnes")),
    ("vingt et un participants", (21, False, "exact", "participant", "vingt et un participants")),
    ("4 participants.", (4, False, "exact", "participant", "4 participants")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), COUNT_CASES)
def test_parse_count(text, expected):
    found = parse_count(text)
    assert found is not None
    assert (found.value, found.approximate, found.qualifier, found.noun, found.matched) == expected
    assert text[found.span[0] : found.span[1]] == found.matched


@pytest.mark.parametrize(
    "text",
    ["13,5 participant⋅e⋅s", "une personne a proposé", "participant-e-s", "24 mois", "", "1/3"],
)
def test_parse_count_none(text):
    assert parse_count(text) is None


def test_find_counts():
    found = find_counts("10 personnes le matin, une vingtaine l'après-midi")
    assert [(c.value, c.approximate) for c in found] == [(10, False), (20, True)]
    assert all(isinstance(c, CountParse) for c in found)


QUALIFIER_CASES = [
    ("Environ ", "approx"),
    ("Solde : 977,34€ (env. ", "approx"),
    ("~", "approx"),
    ("près de ", "approx"),
    ("une bonne ", "approx"),
    ("avec une moyenne de ", "mean"),
    ("Plus de ", "at_least"),
    ("au moins ", "at_least"),
    ("TOTAL = ", None),
    ("nous comptons aujourd'hui ", None),
    ("xenviron ", None),
    ("", None),
]


@pytest.mark.parametrize(("prefix", "expected"), QUALIFIER_CASES)
def test_qualifier_before(prefix, expected):
    assert qualifier_before(prefix) == expected


# --------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Marie-Anne Dupont", "marie anne d"),
        ("Marie D.", "marie d"),
        ("Jean Martin", "jean m"),
        ("marie", "marie"),
        ("Élodie L'Hôte", "elodie l h"),
        ("Hugo L.", "hugo l"),
        ("Inès Bernard", "ines b"),
        ("CHLOÉ PETIT", "chloe p"),
        ("Jean-Pierre", "jean p"),
        ("", ""),
    ],
)
def test_name_key(name, key):
    assert name_key(name) == key


def test_name_key_is_the_frames_rule_without_normalising():
    assert name_key("Marie-Anne  Dupont") == "marie anne d"
    assert name_key("Jean d'Ormesson") == "jean d o"
    assert name_key("  ") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Dépenses", "Depenses"), ("Août", "Aout"), ("Noël ÇA", "Noel CA"), ("œuvre", "œuvre")],
)
def test_strip_accents(text, expected):
    assert strip_accents(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Présent-e-s !", "present-e-s"),
        ("Assemblée des Communs de Lille - 2", "assemblee-des-communs-de-lille-2"),
        ("  ", ""),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


# --------------------------------------------------------------------------
# No function raises, whatever the text

WORDS = [
    "le", "du", "au", "&", "et", "-", "/", " ", "  ", "1er", "28", "01", "2016", "19", "2/10/19",
    "Jeudi", "jeudi", "août", "Aout", "décembre", "sept.", "12h", "à", "15:40", "€", " €",
    "1 022,66", "13,5", "env.", "environ", "plus de", "moyenne de", "de 3", "à 21", "une",
    "bonne", "vingtaine", "quinzaine", "participant⋅e⋅s", "personnes", "présent-e-s", "1/3",
    "tiers", "%", "Révision datée du", "Version du", "par", "(discussion | contributions)",
    "(", ")", "Marie-Anne", "D.", "’", "\u202f", "\u00a0", "31", "29/02/2015", "0/0",
]  # fmt: skip
french_text = st.lists(st.sampled_from(WORDS) | st.text(max_size=4), max_size=30).map(" ".join)
contexts = st.none() | st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1))
fuzz = settings(max_examples=300, deadline=None)


@fuzz
@given(st.text() | french_text, contexts, st.booleans())
def test_dates_never_raise(text, context, anchored):
    found = find_dates(text, context, anchored=anchored)
    previous_end = 0
    for parsed in found:
        assert isinstance(parsed, DateParse)
        assert parsed.start <= parsed.end
        assert text[parsed.span[0] : parsed.span[1]] == parsed.matched
        assert parsed.span[0] >= previous_end
        previous_end = parsed.span[1]
    parse_month(text)


@fuzz
@given(st.text() | french_text)
def test_text_functions_never_raise(text):
    parse_datetime(text)
    is_ip(text)
    parse_decimal(text)
    for count in find_counts(text):
        assert count.value >= 0
    parse_count(text)
    assert qualifier_before(text) in {None, "approx", "at_least", "mean"}
    strip_accents(text)
    assert slug(text) == slug(slug(text))


@fuzz
@given(st.text() | french_text)
def test_name_key_is_idempotent(text):
    key = name_key(text)
    assert name_key(key) == key
    assert key == key.lower().strip()
