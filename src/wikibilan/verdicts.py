"""Qualifier tolerances and verdicts (DESIGN.md's table), as pure functions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

REPRODUCED = "reproduced"
APPROXIMATELY = "approximately"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not_checkable"
INCOMPLETE = "incomplete"
APPROX_SHARE = Decimal("0.10")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict with everything needed to show why.

    The figures are exact Decimals (None where there is none): the published one,
    the recomputed one, the bounds the wording allows (``low``/``high``; a range's
    own bounds) and ``gap`` = recomputed − published. A range has no single figure:
    its recomputed minimum and maximum are ``recomputed_low``/``recomputed_high``.
    ``tolerance`` says the rule in words ("equal", "±2.5", "> 30"). Text for a
    reader is made only where the outputs are written.
    """

    verdict: str
    published: Decimal | None = None
    recomputed: Decimal | None = None
    tolerance: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    gap: Decimal | None = None
    holds_by: str = ""
    method: str = ""
    evidence: str = ""
    recomputed_low: Decimal | None = None
    recomputed_high: Decimal | None = None


def fmt(value: Decimal | None) -> str:
    """A figure as plain text: at most two decimals (half up), no trailing zeros."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize(), "f")


def rounding_unit(figure: Decimal) -> Decimal:
    """The unit a published figure looks rounded to: 5 for …5, 10 for …0, else its last digit."""
    if figure != figure.to_integral_value():
        return Decimal(1).scaleb(figure.as_tuple().exponent)  # type: ignore[arg-type]
    last = int(figure) % 10
    return Decimal(10) if last == 0 and figure != 0 else Decimal(5) if last == 5 else Decimal(1)


def approx_tolerance(figure: Decimal) -> Decimal:
    """±10 % of the figure or half its rounding unit, whichever is larger."""
    return max(abs(figure) * APPROX_SHARE, rounding_unit(figure) / 2)


def decimals_of(figure: Decimal) -> int:
    """How many decimals a figure was published with."""
    exponent = figure.normalize().as_tuple().exponent
    return max(0, -int(exponent))


def incomplete(
    published: Decimal | None,
    recomputed: Decimal | None,
    missing: list[str],
    *,
    method: str,
    evidence: str = "",
) -> Outcome:
    """Pages the recomputation reads are missing from the store: no definitive verdict.

    The value computed from what is there is kept as a bound, and the pages named.
    """
    shown = ", ".join(missing[:12]) + (
        f" and {len(missing) - 12} more" if len(missing) > 12 else ""
    )
    return Outcome(
        INCOMPLETE,
        published,
        recomputed,
        tolerance="a bound: computed without the missing pages",
        method=f"{method}; incomplete: {len(missing)} page(s) linked but not in the store: "
        f"{shown}",
        evidence=evidence,
    )  # fmt: skip


def not_checkable(reason: str) -> Outcome:
    """The wiki holds no data for the claim: say which."""
    return Outcome(NOT_CHECKABLE, method=f"not checkable: {reason}")


def judge(
    published: Decimal,
    recomputed: Decimal | None,
    qualifier: str,
    *,
    method: str,
    evidence: str = "",
    text: str = "",
    published_range: tuple[Decimal, Decimal] | None = None,
    recomputed_range: tuple[Decimal, Decimal] | None = None,
) -> Outcome:
    """Compare a published figure with its recomputed value under the wording's qualifier."""
    pub = fmt(published)
    if qualifier == "range" and published_range and recomputed_range:
        (plo, phi), (rlo, rhi) = published_range, recomputed_range
        ok = (plo, phi) == (rlo, rhi)
        return Outcome(
            REPRODUCED if ok else CONTRADICTED,
            tolerance="min and max equal",
            low=plo,
            high=phi,
            method=method,
            evidence=evidence,
            recomputed_low=rlo,
            recomputed_high=rhi,
        )
    if recomputed is None:
        return not_checkable(method)
    gap = recomputed - published
    if qualifier == "approx":
        tol = approx_tolerance(published)
        low, high = published - tol, published + tol
        base = Outcome(
            "", published, recomputed, f"±{fmt(tol)}", low, high, gap, method=method,
            evidence=evidence,
        )  # fmt: skip
        if recomputed == published:
            return _with(base, REPRODUCED)
        if low <= recomputed <= high:
            return _with(base, APPROXIMATELY, "qualifier")
        return _with(base, CONTRADICTED)
    if qualifier == "at_least":
        strict = "au moins" not in text.lower() and "au minimum" not in text.lower()
        holds = recomputed > published if strict else recomputed >= published
        bound = f"{'>' if strict else '≥'} {pub}"
        return Outcome(
            REPRODUCED if holds else CONTRADICTED,
            published,
            recomputed,
            bound,
            low=published,
            gap=gap,
            method=method,
            evidence=evidence,
        )
    if qualifier == "mean":
        places = decimals_of(published)
        half = Decimal(1).scaleb(-places) / 2
        rounded = recomputed.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        base = Outcome(
            "",
            published,
            recomputed,
            f"rounds to {pub} ({places} decimals)",
            published - half,
            published + half,
            gap,
            method=method,
            evidence=evidence,
        )
        # A mean is published rounded: rounding to the figure reproduces it, and we
        # say that it holds by rounding when it is not exact.
        if recomputed == published:
            return _with(base, REPRODUCED)
        if rounded == published:
            return _with(base, REPRODUCED, "rounding")
        return _with(base, CONTRADICTED)
    ok = recomputed == published
    return Outcome(
        REPRODUCED if ok else CONTRADICTED, published, recomputed, "equal", published, published,
        gap, method=method, evidence=evidence,
    )  # fmt: skip


def _with(base: Outcome, verdict: str, holds_by: str = "") -> Outcome:
    return replace(base, verdict=verdict, holds_by=holds_by)
