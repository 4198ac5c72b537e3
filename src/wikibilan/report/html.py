"""The report as one self-contained HTML page. Pure: no I/O.

Self-contained: inline CSS, plots as ``data:`` URIs, no script, no outside
asset; a Content-Security-Policy says so to the browser too, so a stray
reference would be refused rather than fetched. Every piece of text is
escaped with ``html.escape``: wiki text is data, never markup.
"""

from __future__ import annotations

import base64
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
    Table,
    slug,
    text_of,
)
from .content import build_report, report_title

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1f2328; background: #fff; margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .75rem; line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .75rem; padding-bottom: .3rem;
  border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
h3[class^="v-"] { border-left: 5px solid #8c959f; padding-left: .55rem; }
h3.v-reproduced { border-color: #2e7d32; } h3.v-approximately { border-color: #e0a100; }
h3.v-contradicted { border-color: #c62828; }
p.summary { font-size: 1.02rem; background: #f6f8fa; border-left: 4px solid #57606a;
  padding: .75rem 1rem; margin: 0 0 1rem; }
p.label { margin: .5rem 0 .2rem; font-weight: 600; }
nav ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap;
  gap: .3rem 1.2rem; }
a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
code { font: .88em ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f4f7;
  padding: .05em .3em; border-radius: 4px; }
blockquote { margin: .4rem 0 .6rem; padding: .4rem .9rem; border-left: 4px solid #d0d7de;
  color: #3d444d; background: #fbfbfc; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.verdict { white-space: nowrap; font-weight: 600; }
td.v-reproduced, span.v-reproduced { background: #e6f4ea; color: #1b5e20; }
td.v-approximately, span.v-approximately { background: #fff4d6; color: #7a5200; }
td.v-contradicted, span.v-contradicted { background: #fde7e9; color: #b71c1c; }
td.v-not-checkable, span.v-not-checkable { background: #eeeff1; color: #4a4f55; }
tr.changed td { background: #fff8c5; font-weight: 600; }
tr.folded td { color: #6e7781; font-style: italic; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: .3rem 0; }
dl.fields dt { font-weight: 600; color: #57606a; } dl.fields dd { margin: 0; }
ul.items { margin: .2rem 0 .6rem; padding-left: 1.4rem; font-size: .92rem; }
ul.items.cols { columns: 2 24rem; }
ul.items li.more { list-style: none; color: #6e7781; font-style: italic; }
figure { margin: 1rem 0 1.6rem; } figure img { max-width: 100%; height: auto;
  border: 1px solid #d0d7de; } figcaption { color: #57606a; font-size: .9rem; }
footer { margin-top: 3rem; color: #6e7781; font-size: .85rem; }
"""
_NAV = (
    ("verdicts", "Verdicts"),
    ("claims", "Claims in detail"),
    ("history", "Figure history"),
    ("plots", "Plots"),
    ("notes", "Data notes"),
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _png_size(png: bytes) -> tuple[int, int] | None:
    if png[:8] != PNG_SIGNATURE or len(png) < 24:
        return None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _cell(cell: Cell, tag: str = "td") -> str:
    inner = _e(cell.text)
    if cell.code:
        inner = f"<code>{inner}</code>"
    if cell.href:
        inner = f'<a href="#{_e(slug(cell.href))}">{inner}</a>'
    css = f' class="{_e(cell.css)}"' if cell.css else ""
    return f"<{tag}{css}>{inner}</{tag}>"


def _table(table: Table) -> str:
    name = _e(slug(table.name))
    head = "".join(f"<th>{_e(h)}</th>" for h in table.header)
    body = []
    for i, row in enumerate(table.rows):
        css = table.row_css[i] if i < len(table.row_css) else ""
        attr = f' class="{_e(css)}"' if css else ""
        body.append(f"<tr{attr}>" + "".join(_cell(c) for c in row) + "</tr>")
    return (
        f'<table class="{name}" id="table-{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n" + "\n".join(body) + "\n</tbody></table>"
    )


def _figure(fig: Figure, png: bytes | None) -> str:
    if png is None:
        return f"<p>Plot “{_e(fig.caption)}” was not drawn.</p>"
    size = _png_size(png)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure id="plot-{_e(slug(fig.name))}"><img src="data:image/png;base64,{data}" '
        f'alt="{_e(fig.caption)}"{dims}><figcaption>{_e(fig.note or fig.caption)}</figcaption>'
        "</figure>"
    )


def _block(block: Block, plots: Mapping[str, bytes]) -> str:
    if isinstance(block, Heading):
        anchor = f' id="{_e(slug(block.anchor))}"' if block.anchor else ""
        anchor += f' class="{_e(block.css)}"' if block.css else ""
        return f"<h{block.level}{anchor}>{_e(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        css = f' class="{_e(block.css)}"' if block.css else ""
        return f"<p{css}>{_e(block.text)}</p>"
    if isinstance(block, Quote):
        return f'<blockquote lang="fr">{_e(block.text)}</blockquote>'
    if isinstance(block, Fields):
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in block.items)
        return f'<dl class="fields">{items}</dl>'
    if isinstance(block, Items):
        items = "".join(f"<li>{_e(item)}</li>" for item in block.items)
        more = f'<li class="more">{_e(block.more)}</li>' if block.more else ""
        css = "items cols" if len(block.items) > 8 else "items"  # long lists in two columns
        return f'<ul class="{css}">{items}{more}</ul>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        return _figure(block, plots.get(block.name))
    raise TypeError(f"unknown block {block!r}")


def _nav() -> str:
    links = "".join(f'<li><a href="#{anchor}">{_e(text)}</a></li>' for anchor, text in _NAV)
    return f'<nav aria-label="Contents"><ul>{links}</ul></nav>'


def render_html(
    frames: Mapping[str, pd.DataFrame], ctx: ReportContext, plots: Mapping[str, bytes]
) -> str:
    """Render the report as one self-contained HTML page.

    Args:
        frames: the frames by name; missing or empty frames are reported as such.
        ctx: what the report says about the run.
        plots: PNG bytes by plot name, embedded as ``data:`` URIs; plots left
            out of the mapping are left out of the page.
    """
    blocks = build_report(frames, ctx, plots.keys())
    body = [_block(blocks[0], plots), _block(blocks[1], plots), _nav()]
    body += [_block(b, plots) for b in blocks[2:]]
    footer = (
        f"<footer>wikibilan {_e(ctx.tool_version)} · {_e(ctx.site)} · "
        f"generated {_e(text_of(ctx.generated_at))}</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(report_title(ctx))}</title>\n<style>{CSS}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + f"\n{footer}\n</main>\n</body>\n</html>\n"
    )
