"""The golden cases of tests/cases/: every page read right through wikitext and through HTML.

Each case is a small page in one real form with its expected reading written by
hand (tests/cases/README.md); the HTML is the same page rendered by a real
MediaWiki (tests/cases/render.py). A new form is a new pair of files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.case_reading import compare, load_cases

CASES = load_cases(Path(__file__).parent / "cases")


def test_the_zoo_holds_at_least_forty_cases_of_every_class() -> None:
    assert len(CASES) >= 40
    classes = {c.klass for c in CASES}
    assert {"title", "date", "place", "presence", "count", "workshop", "trap"} <= classes


@pytest.mark.parametrize("path", ["wikitext", "html"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_reads_as_expected(case: object, path: str) -> None:
    outcome = compare(case, path=path)  # type: ignore[arg-type]
    assert outcome.ok, "\n".join(outcome.details)
