"""Render every golden case through a real MediaWiki: ``<name>.html`` beside ``<name>.wiki``.

    .venv/bin/python tests/cases/render.py [CASES_DIR]

A throw-away MediaWiki (Debian's package, French UI; tests/mediawiki_server.py)
parses each page (and each context page: ``<name>.ctx<i>.html``) with
``api.php?action=parse`` under its own title, which gives the HTML the wiki
renders in a page's content area — what the static archive shows and the HTML
path reads. The files are committed; run this again after changing a case.
"""

from __future__ import annotations

import json
import sys
import tempfile
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.mediawiki_server import mediawiki_missing, start_mediawiki  # noqa: E402


def render(api_url: str, title: str, text: str) -> str:
    """The HTML MediaWiki's parser gives ``text`` as the content of page ``title``."""
    body = urllib.parse.urlencode(
        {
            "action": "parse",
            "format": "json",
            "formatversion": "2",
            "title": title,
            "text": text,
            "contentmodel": "wikitext",
            "prop": "text|categorieshtml",
            "disableeditsection": "1",
            "disablelimitreport": "1",
        }  # fmt: skip
    ).encode()
    with urllib.request.urlopen(api_url, data=body, timeout=60) as answer:
        parsed = json.load(answer)["parse"]
    return f"{parsed['text']}\n{parsed.get('categorieshtml', '')}\n"


def main(argv: list[str]) -> int:
    cases = Path(argv[0]) if argv else Path(__file__).parent
    reason = mediawiki_missing()
    if reason:
        print(f"render.py: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        wiki = start_mediawiki(Path(tmp) / "mediawiki", [])
        try:
            for toml_path in sorted(cases.glob("*.toml")):
                data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
                text = toml_path.with_suffix(".wiki").read_text(encoding="utf-8")
                html = render(wiki.api_url, data["title"], text)
                toml_path.with_suffix(".html").write_text(html, encoding="utf-8")
                for i, ctx in enumerate(data.get("context", [])):
                    out = toml_path.with_name(f"{toml_path.stem}.ctx{i}.html")
                    out.write_text(render(wiki.api_url, ctx["title"], ctx.get("text", "")))
        finally:
            wiki.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
