"""French dates, revision lines, money, numbers, counts, qualifiers and names."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikibilan.extract.french import (
    CountParse,
    DateParse,
    RevisionLine,
    find_counts,
    find_dates,
    find_money,
    find_numbers,
    name_key,
    normalize_name,
    paris_to_utc,
    parse_count,
    parse_date,
    parse_fraction,
    parse_money,
    parse_month,
    parse_number,
    parse_range,
    parse_revision_line,
    qualifier_of,
    slug,
    strip_accents,
)

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
def test_parse_date(text, context, anchored, expected):
    found = parse_date(text, context=context, anchored=anchored)
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
def test_parse_date_none(text):
    assert parse_date(text) is None


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
# Revision lines (Europe/Paris wall time -> UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Révision datée du 21 juillet 2016 à 14:39 par Jean Dupont (discussion | "
            "contributions) (Présentations : compte rendu en direct)",
            RevisionLine(
                datetime(2016, 7, 21, 12, 39, tzinfo=UTC),
                "Jean Dupont",
                False,
                "Présentations : compte rendu en direct",
            ),
        ),
        (
            "Version du 30 novembre 2017 à 15:40",
            RevisionLine(datetime(2017, 11, 30, 14, 40, tzinfo=UTC), None, False, None),
        ),
        (
            "Révision datée du 2 février 2016 à 09:05 par 192.0.2.15 (discussion)",
            RevisionLine(datetime(2016, 2, 2, 8, 5, tzinfo=UTC), "192.0.2.15", True, None),
        ),
        (
            "Version datée du 18 mai 2017 à 13:39 par Marie Curie (discussion | contributions) "
            "(→\u200eAteliers (suite) : notes)",
            RevisionLine(
                datetime(2017, 5, 18, 11, 39, tzinfo=UTC), "Marie Curie", False,
                "Ateliers (suite) : notes",
            ),
        ),
        (
            "Version actuelle en date du 1er mars 2019 à 10:00",
            RevisionLine(datetime(2019, 3, 1, 9, 0, tzinfo=UTC), None, False, None),
        ),
        (
            "Dernière version du 30 novembre 2017 à 15:40",
            RevisionLine(datetime(2017, 11, 30, 14, 40, tzinfo=UTC), None, False, None),
        ),
        (
            "Révision datée du 5 mai 2017 à 10:00 par 2001:db8::1 (discussion) (x)",
            RevisionLine(datetime(2017, 5, 5, 8, 0, tzinfo=UTC), "2001:db8::1", True, "x"),
        ),
    ],
)  # fmt: skip
def test_parse_revision_line(text, expected):
    assert parse_revision_line(text) == expected


def test_parse_revision_line_reads_one_line():
    text = (
        "Révision datée du 21 juillet 2016 à 14:39 par Jean Dupont (discussion | contributions) "
        "(diff) ← Version précédente | Version suivante (diff) →\npar Autre (discussion) (x)"
    )
    assert parse_revision_line(text) == RevisionLine(
        datetime(2016, 7, 21, 12, 39, tzinfo=UTC), "Jean Dupont", False, None
    )


def test_parse_revision_line_with_a_known_offset():
    line = parse_revision_line("Version du 18 mai 2017 à 13:39", utc_offset=timedelta(hours=1))
    assert line is not None
    assert line.timestamp == datetime(2017, 5, 18, 12, 39, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "Version du 31 février 2017 à 10:00", "Révision datée"])
def test_parse_revision_line_none(text):
    assert parse_revision_line(text) is None


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
# Money, numbers, fractions

MONEY_CASES = [
    ("1022,66€", [("1022.66", "exact")]),
    ("1 022,66 €", [("1022.66", "exact")]),
    ("1\u202f022,66\u00a0€", [("1022.66", "exact")]),
    ("743,46 €", [("743.46", "exact")]),
    ("env. 720€", [("720.00", "approx")]),
    ("2000€", [("2000.00", "exact")]),
    ("977,34 €", [("977.34", "exact")]),
    ("'''Solde : 977,34€''' (env. 720€)", [("977.34", "exact"), ("720.00", "approx")]),
    ("Location salle Baraka (août 2016) : 159,20€", [("159.20", "exact")]),
    ("TOTAL = 1022,66€", [("1022.66", "exact")]),
    ("1.022,66 euros", [("1022.66", "exact")]),
    ("plus de 100 EUR", [("100.00", "at_least")]),
    ("environ 12.5 €", [("12.50", "approx")]),
    ("en 2016, 1 022 personnes", []),
    ("pas d'euro ici", []),
]


@pytest.mark.parametrize(("text", "expected"), MONEY_CASES)
def test_find_money(text, expected):
    found = find_money(text)
    assert [(str(m.amount), m.qualifier) for m in found] == expected
    for money in found:
        assert text[money.span[0] : money.span[1]] == money.matched
        assert money.amount.as_tuple().exponent == -2


def test_parse_money():
    assert parse_money("Solde : 977,34€ (env. 720€)") == Decimal("977.34")
    assert parse_money("rien") is None


NUMBER_CASES = [
    ("13,5", Decimal("13.5")),
    ("1 022,66", Decimal("1022.66")),
    ("1\u202f022,66", Decimal("1022.66")),
    ("2000", Decimal("2000")),
    ("13.5", Decimal("13.5")),
    ("10.000", Decimal("10000")),
    ("moyenne de 13,5 participant⋅e⋅s", Decimal("13.5")),
    ("de 3 au démarrage", Decimal("3")),
    ("−4", Decimal("-4")),
    ("trois", Decimal("3")),
    ("Vingt", Decimal("20")),
    ("1/3", None),
    ("28/01/2016", None),
    ("aucun", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_find_numbers():
    found = find_numbers("34 temps forts sur 24 mois, 1 022,66 € le 2/10/19")
    assert [(n.value, n.matched) for n in found] == [
        (Decimal("34"), "34"),
        (Decimal("24"), "24"),
        (Decimal("1022.66"), "1 022,66"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dont environ 1/3 est impliqué", Fraction(1, 3)),
        ("un tiers", Fraction(1, 3)),
        ("deux tiers des membres", Fraction(2, 3)),
        ("la moitié", Fraction(1, 2)),
        ("trois quarts", Fraction(3, 4)),
        ("33 %", Fraction(33, 100)),
        ("12,5%", Fraction(1, 8)),
        ("1/0", None),
        ("28/01/2016", None),
        ("rien", None),
    ],
)
def test_parse_fraction(text, expected):
    assert parse_fraction(text) == expected


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
    ("34 temps forts sur 24 mois", "exact"),
    ("moyenne de 13,5 participant⋅e⋅s par réunion (de 3 au démarrage à 21 au plus)", "mean"),
    ("de 3 au démarrage à 21 au plus", "range"),
    ("de 3 à 21", "range"),
    ("entre 3 et 21 personnes", "range"),
    ("Environ 15 ateliers d'initiation avec une moyenne de 4 participants", "approx"),
    ("avec une moyenne de 4 participants", "mean"),
    ("13 participants en moyenne", "mean"),
    ("Environ 50 personnes initiées", "approx"),
    ("env. 720€", "approx"),
    ("(env. 720€)", "approx"),
    ("~50", "approx"),
    ("près de 40 personnes", "approx"),
    ("une quinzaine d'acteurs locaux", "approx"),
    ("dont environ 1/3 est impliqué", "approx"),
    ("Plus de 30 thèmes", "at_least"),
    ("plus de 25 événements", "at_least"),
    ("au moins 3 décisions", "at_least"),
    ("272 pages créées", "exact"),
    ("20 membres", "exact"),
    ("TOTAL = 1022,66€", "exact"),
    ("Solde : 977,34€", "exact"),
    ("environ", "approx"),
    ("rien", "exact"),
    ("", "exact"),
]


@pytest.mark.parametrize(("text", "expected"), QUALIFIER_CASES)
def test_qualifier_of(text, expected):
    assert qualifier_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("de 3 au démarrage à 21 au plus", (Decimal(3), Decimal(21))),
        ("(de 3 au démarrage à 21 au plus)", (Decimal(3), Decimal(21))),
        ("de 3 à 21", (Decimal(3), Decimal(21))),
        ("entre 3 et 21", (Decimal(3), Decimal(21))),
        ("de 2,5 à 4,5", (Decimal("2.5"), Decimal("4.5"))),
        ("3 à 21 personnes", (Decimal(3), Decimal(21))),
        ("de 12h à 16h", None),
        ("34 temps forts", None),
    ],
)
def test_parse_range(text, expected):
    assert parse_range(text) == expected


# --------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("raw", "normalized", "key"),
    [
        ("Marie-Anne Dupont", "Marie-Anne Dupont", "marie anne d"),
        ("Marie D.", "Marie D.", "marie d"),
        ("Jean Martin", "Jean Martin", "jean m"),
        ("marie", "marie", "marie"),
        ("Élodie  L’Hôte", "Élodie L'Hôte", "elodie l h"),
        ("Jean Dupont.", "Jean Dupont", "jean d"),
        (" * Hugo L. :", "Hugo L.", "hugo l"),
        ("« Gaëlle Roux »", "Gaëlle Roux", "gaelle r"),
        ("Inès\u00a0Bernard", "Inès Bernard", "ines b"),
        ("CHLOÉ PETIT", "CHLOÉ PETIT", "chloe p"),
        ("Jean-Pierre", "Jean-Pierre", "jean p"),
        ("", "", ""),
    ],
)
def test_normalize_name_and_name_key(raw, normalized, key):
    assert normalize_name(raw) == normalized
    assert name_key(normalize_name(raw)) == key


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
    first = parse_date(text, context=context, anchored=anchored)
    assert first == (found[0] if found else None)
    parse_month(text)


@fuzz
@given(st.text() | french_text)
def test_text_functions_never_raise(text):
    parse_revision_line(text)
    for money in find_money(text):
        assert money.amount == money.amount.quantize(Decimal("0.01"))
        assert money.qualifier in {"exact", "approx", "at_least", "mean", "range"}
    parse_money(text)
    parse_number(text)
    find_numbers(text)
    parse_fraction(text)
    for count in find_counts(text):
        assert count.value >= 0
    parse_count(text)
    assert qualifier_of(text) in {"exact", "approx", "at_least", "mean", "range"}
    parse_range(text)
    normalize_name(text)
    strip_accents(text)
    assert slug(text) == slug(slug(text))


@fuzz
@given(st.text() | french_text)
def test_name_key_is_idempotent(text):
    key = name_key(normalize_name(text))
    assert name_key(key) == key
    assert key == key.lower().strip()
