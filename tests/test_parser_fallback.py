"""The wikitext reader's token walk, which leans on mwparserfromhell's internals (its
tokenizer, tokens, Builder and SmartList), and the public ``mwparserfromhell.parse``
it falls back to give the same Documents."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from wikibilan.document import Document, wikitext
from wikibilan.sources.dump import read_dump

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "cases").glob("*.wiki"))
INTERNALS = ("Builder", "CTokenizer", "Tokenizer", "SmartList")

Page = tuple[str, int, str]  # title, revid, wikitext


def _fixture_revisions() -> list[Page]:
    with (ROOT / "fixtures" / "wiki" / "lille.xml").open("rb") as fp:
        return [(r.title, r.revid, r.content) for r in read_dump(fp)[1]]


def _cases() -> list[Page]:
    return [(path.stem, 0, path.read_text(encoding="utf-8")) for path in CASES]


def _read(pages: list[Page]) -> list[Document]:
    return [wikitext.parse_wikitext(text, title=title, revid=revid) for title, revid, text in pages]


def _untouchable(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the public-API path used one of mwparserfromhell's internals")


@pytest.mark.parametrize("source", ["fixture wiki", "cases"])
def test_the_public_parse_gives_the_token_walks_documents(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _fixture_revisions() if source == "fixture wiki" else _cases()
    assert len(pages) > 50
    walked = _read(pages)
    monkeypatch.setattr(wikitext, "READ_TOKENS", False)
    for name in INTERNALS:  # a call would fail the page, which falls back to plain lines
        monkeypatch.setattr(wikitext, name, _untouchable)
    parsed = _read(pages)
    for (title, revid, _), want, got in zip(pages, walked, parsed, strict=True):
        assert got == want, f"{title} (revid {revid})"


def test_without_the_internals_the_reader_uses_the_public_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mwparserfromhell that moved its internals: the module still loads, and reads alike."""
    spec = importlib.util.spec_from_file_location(
        "wikibilan.document._wikitext_without_internals", wikitext.__file__
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with monkeypatch.context() as patch:  # only the module's own import fails
        patch.setitem(sys.modules, "mwparserfromhell.smart_list", None)
        spec.loader.exec_module(module)
    assert module.READ_TOKENS is False
    for title, revid, text in _cases():
        want = wikitext.parse_wikitext(text, title=title, revid=revid)
        assert module.parse_wikitext(text, title=title, revid=revid) == want, title
