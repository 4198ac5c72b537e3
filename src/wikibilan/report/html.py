"""The report as one self-contained HTML page. Pure: no I/O.

Self-contained: inline CSS, plots as ``data:`` URIs, no script, no outside
asset; a Content-Security-Policy says so to the browser too, so a stray
reference would be refused rather than fetched. The only links out are to the
wiki's pages and revisions (http or https). Every piece of text is escaped
with ``html.escape``: wiki text is data, never markup. Tables turn into cards
on narrow screens, so every column stays on screen.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from html import escape

import pandas as pd

from .blocks import (
    Block,
    Cell,
    Fields,
    Figure,
    Heading,
    Items,
    Paragraph,
    Quote,
    ReportContext,
    Rich,
    Table,
    is_web_url,
    slug,
)
from .content import SECTIONS, build_report, report_title
from .wording import Language, language

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1f2328; background: #fff; margin: 0; }
main { max-width: 70rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .75rem; line-height: 1.25; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .75rem; padding-bottom: .3rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
h4 { font-size: 1rem; margin: 1.3rem 0 .4rem; }
h3[class^="v-"], h4[class^="v-"] { border-left: 5px solid #8c959f; padding-left: .55rem; }
h3.v-reproduced, h4.v-reproduced { border-color: #2e7d32; }
h3.v-approximately, h4.v-approximately { border-color: #e0a100; }
h3.v-contradicted, h4.v-contradicted { border-color: #c62828; }
h3.v-incomplete, h4.v-incomplete { border-color: #6a1b9a; }
p.summary { font-size: 1.02rem; background: #f6f8fa; border-left: 4px solid #57606a;
  padding: .75rem 1rem; margin: 0 0 1rem; }
p.label { margin: .7rem 0 .2rem; font-weight: 600; }
p.later { color: #7a5200; }
nav ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap;
  gap: .3rem 1.2rem; }
a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
code { font: .88em ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f4f7;
  padding: .05em .3em; border-radius: 4px; overflow-wrap: anywhere; }
.nb { white-space: nowrap; }
blockquote { margin: .4rem 0 .6rem; padding: .4rem .9rem; border-left: 4px solid #d0d7de;
  color: #3d444d; background: #fbfbfc; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .93rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.verdict { white-space: nowrap; font-weight: 600; }
td.date { white-space: nowrap; }
td.v-reproduced, span.v-reproduced { background: #e6f4ea; color: #1b5e20; }
td.v-approximately, span.v-approximately { background: #fff4d6; color: #7a5200; }
td.v-contradicted, span.v-contradicted { background: #fde7e9; color: #b71c1c; }
td.v-incomplete, span.v-incomplete { background: #f3e5f5; color: #4a148c; }
td.v-not-checkable, span.v-not-checkable { background: #eeeff1; color: #4a4f55; }
tr.changed td { background: #fff8c5; font-weight: 600; }
tr.folded td { color: #6e7781; font-style: italic; }
tr.later td { color: #57606a; background: #fafafa; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: .3rem 0; }
dl.fields dt { font-weight: 600; color: #57606a; } dl.fields dd { margin: 0; }
ul.items { margin: .2rem 0 .6rem; padding-left: 1.4rem; font-size: .93rem; }
ul.items.cols { columns: 2 24rem; }
ul.items li.more { list-style: none; color: #6e7781; font-style: italic; }
figure { margin: 1rem 0 1.6rem; } figure img { max-width: 100%; height: auto;
  border: 1px solid #d0d7de; } figcaption { color: #57606a; font-size: .92rem; }
footer { margin-top: 3rem; color: #6e7781; font-size: .85rem; }
/* Narrow screens: each table row becomes a card, each cell a labelled line, so no
   column (the verdict least of all) is ever pushed off the screen. */
@media (max-width: 44rem) {
  main { padding: 1rem .75rem 3rem; }
  table, tbody, tr, td { display: block; width: auto; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border: 1px solid #d0d7de; border-radius: 4px; margin: 0 0 .6rem; }
  td { border: none; border-bottom: 1px solid #eef0f2; position: relative; min-height: 1.4em; }
  td[data-label] { padding-left: 7.4rem; }
  td.num { text-align: left; white-space: normal; }
  td:empty { display: none; }
  td[data-label]::before { content: attr(data-label); position: absolute; left: .55rem;
    width: 6.5rem; font-size: .8rem; line-height: 1.9; font-weight: 600; color: #57606a;
    font-style: normal; overflow-wrap: anywhere; }
  dl.fields { grid-template-columns: 1fr; } dl.fields dd { margin-bottom: .3rem; }
}
"""


# A number written with spaces between its groups ("1 022,66") stays on one line.
_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _text(text: str) -> str:
    """Escaped text, grouped numbers kept whole."""
    return _GROUPED.sub(lambda m: f'<span class="nb">{m[0]}</span>', _e(text))


def _link(text: str, url: str) -> str:
    if not is_web_url(url):
        return _text(text)  # only links to the wiki (http, https) or into the page
    return f'<a href="{_e(url)}">{_text(text)}</a>'


def _rich(text: Rich) -> str:
    if isinstance(text, str):
        return _text(text)
    return "".join(_text(p) if isinstance(p, str) else _link(p.text, p.url) for p in text)


def _png_size(png: bytes) -> tuple[int, int] | None:
    if png[:8] != PNG_SIGNATURE or len(png) < 24:
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _cell(cell: Cell, label: str) -> str:
    inner = _text(cell.text)
    if cell.code:
        inner = f"<code>{inner}</code>"
    if cell.href:
        inner = f'<a href="#{_e(slug(cell.href))}">{inner}</a>'
    elif cell.url and is_web_url(cell.url):
        inner = f'<a href="{_e(cell.url)}">{inner}</a>'
    css = f' class="{_e(cell.css)}"' if cell.css else ""
    data = f' data-label="{_e(label)}"' if label and cell.text else ""
    return f"<td{css}{data}>{inner}</td>"


def _table(table: Table) -> str:
    name = _e(slug(table.name))
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in table.header)
    labels = [*table.header, *([""] * max(0, max((len(r) for r in table.rows), default=0)))]
    body = []
    for i, row in enumerate(table.rows):
        css = table.row_css[i] if i < len(table.row_css) else ""
        attr = f' class="{_e(css)}"' if css else ""
        cells = "".join(_cell(c, labels[j]) for j, c in enumerate(row))
        body.append(f"<tr{attr}>{cells}</tr>")
    return (
        f'<table class="{name}" id="table-{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n" + "\n".join(body) + "\n</tbody></table>"
    )


def _figure(fig: Figure, png: bytes | None, t: Language) -> str:
    if png is None:
        return f"<p>{_e(t('plot.missing', caption=fig.caption))}</p>"
    size = _png_size(png)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    data = base64.b64encode(png).decode("ascii")
    alt = fig.alt or fig.caption
    return (
        f'<figure id="plot-{_e(slug(fig.name))}"><img src="data:image/png;base64,{data}" '
        f'alt="{_e(alt)}"{dims}><figcaption>{_text(fig.note or fig.caption)}</figcaption>'
        "</figure>"
    )


def _block(block: Block, plots: Mapping[str, bytes], t: Language) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{_e(slug(block.anchor))}"' if block.anchor else ""
        anchor += f' class="{_e(block.css)}"' if block.css else ""
        return f"<h{block.level}{anchor}>{_text(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        css = f' class="{_e(block.css)}"' if block.css else ""
        return f"<p{css}>{_text(block.text)}</p>"
    if isinstance(block, Quote):
        lang = f' lang="{_e(block.lang)}"' if block.lang else ""
        return f"<blockquote{lang}>{_e(block.text)}</blockquote>"
    if isinstance(block, Fields):
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_rich(v)}</dd>" for k, v in block.items)
        return f'<dl class="fields">{items}</dl>'
    if isinstance(block, Items):
        items = "".join(f"<li>{_rich(item)}</li>" for item in block.items)
        more = f'<li class="more">{_e(block.more)}</li>' if block.more else ""
        css = "items cols" if len(block.items) > 8 else "items"  # long lists in two columns
        return f'<ul class="{css}">{items}{more}</ul>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        return _figure(block, plots.get(block.name), t)
    raise TypeError(f"unknown block {block!r}")


def _nav(t: Language) -> str:
    links = "".join(f'<li><a href="#{anchor}">{_e(t(key))}</a></li>' for anchor, key in SECTIONS)
    return f'<nav aria-label="{_e(t("nav"))}"><ul>{links}</ul></nav>'


def render_html(
    frames: Mapping[str, pd.DataFrame], ctx: ReportContext, plots: Mapping[str, bytes]
) -> str:
    """Render the report as one self-contained HTML page, in ``ctx.lang``.

    Args:
        frames: the frames by name; missing or empty frames are reported as such.
        ctx: what the report says about the run.
        plots: PNG bytes by plot name, embedded as ``data:`` URIs; plots left
            out of the mapping are left out of the page.
    """
    t = language(ctx.lang)
    blocks = build_report(frames, ctx, plots.keys())
    body = [_block(blocks[0], plots, t), _block(blocks[1], plots, t), _nav(t)]
    body += [_block(b, plots, t) for b in blocks[2:]]
    when = t.when(ctx.generated_at, ctx.time_zone)
    footer = (
        f"<footer>wikibilan {_e(ctx.tool_version)} · {_e(ctx.site)} · "
        f"{_e(t('footer', when=when))}</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(t.code)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(report_title(ctx))}</title>\n<style>{CSS}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + f"\n{footer}\n</main>\n</body>\n</html>\n"
    )
