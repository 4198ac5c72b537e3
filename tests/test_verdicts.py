"""Qualifier tolerances and verdicts, worked out by hand from DESIGN.md's table."""

from decimal import Decimal as D

import pytest

from wikibilan.internal import grim
from wikibilan.verdicts import approx_tolerance, decimals_of, judge, rounding_unit


@pytest.mark.parametrize(
    ("figure", "unit", "tol"),
    [
        (D(50), D(10), D(5)),  # 10 % = 5, half of the tens = 5
        (D(15), D(5), D("2.5")),  # 10 % = 1.5 < half of 5
        (D(720), D(10), D(72)),
        (D(4), D(1), D("0.5")),
        (D("13.5"), D("0.1"), D("1.35")),
    ],
)
def test_approx_tolerance(figure: D, unit: D, tol: D) -> None:
    assert rounding_unit(figure) == unit
    assert approx_tolerance(figure) == tol


@pytest.mark.parametrize(
    ("published", "recomputed", "qualifier", "text", "verdict", "holds_by"),
    [
        (D(16), D(16), "exact", "", "reproduced", ""),
        (D(10), D(9), "exact", "", "contradicted", ""),
        (D("1022.66"), D("1022.66"), "exact", "", "reproduced", ""),
        (D("1022.66"), D("1022.67"), "exact", "", "contradicted", ""),
        (D(50), D(47), "approx", "", "approximately", "qualifier"),
        (D(50), D(60), "approx", "", "contradicted", ""),
        (D(50), D(50), "approx", "", "reproduced", ""),
        (D(720), D("977.34"), "approx", "", "contradicted", ""),
        (D(30), D(32), "at_least", "Plus de 30 thèmes", "reproduced", ""),
        (D(30), D(30), "at_least", "Plus de 30 thèmes", "contradicted", ""),
        (D(30), D(30), "at_least", "au moins 30 thèmes", "reproduced", ""),
        (D("13.5"), D("13.5"), "mean", "", "reproduced", ""),
        (D("13.5"), D(459) / D(34) + D("0.04"), "mean", "", "reproduced", "rounding"),
        (D("13.5"), D(430) / D(33), "mean", "", "contradicted", ""),
        (D(4), D("4.4"), "mean", "", "reproduced", "rounding"),
    ],
)
def test_judge(
    published: D, recomputed: D, qualifier: str, text: str, verdict: str, holds_by: str
) -> None:
    outcome = judge(published, recomputed, qualifier, method="m", text=text)
    assert outcome.verdict == verdict
    assert outcome.holds_by == holds_by


def test_approx_bounds_and_gap_are_reported() -> None:
    o = judge(D(50), D(60), "approx", method="15 × 4")
    assert (o.low, o.high, o.gap, o.tolerance) == (D(45), D(55), D(10), "±5")


def test_range() -> None:
    ok = judge(
        D(3),
        None,
        "range",
        method="m",
        published_range=(D(3), D(21)),
        recomputed_range=(D(3), D(21)),
    )
    bad = judge(
        D(3),
        None,
        "range",
        method="m",
        published_range=(D(3), D(21)),
        recomputed_range=(D(2), D(21)),
    )
    assert ok.verdict == "reproduced"
    assert bad.verdict == "contradicted"
    # a range has no single figure: its recomputed min and max are numbers of their own
    assert (bad.low, bad.high, bad.recomputed_low, bad.recomputed_high) == (
        D(3),
        D(21),
        D(2),
        D(21),
    )
    assert bad.published is None and bad.recomputed is None and bad.gap is None


def test_decimals_of() -> None:
    assert decimals_of(D("13.5")) == 1
    assert decimals_of(D(4)) == 0
    assert decimals_of(D("1022.66")) == 2


def test_grim() -> None:
    # 34 events: any mean at one decimal is reachable, so GRIM cannot test it.
    assert grim(D("13.5"), 34).verdict == "not_checkable"
    # 7 events: 13.5 × 7 = 94.5; 94/7 = 13.43, 95/7 = 13.57 -> neither rounds to 13.5.
    assert grim(D("13.5"), 7).verdict == "contradicted"
    # 6 events: 81/6 = 13.5 exactly.
    assert grim(D("13.5"), 6).verdict == "reproduced"
