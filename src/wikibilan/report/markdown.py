"""The report as Markdown (CommonMark + GitHub tables). Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

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
)
from .content import build_report
from .plots import plot_names as available_plots
from .wording import language

# Inline characters that could start markup; `_` only where it could open or
# close emphasis (intraword underscores, as in claim ids, are inert).
_INLINE = re.compile(r"[\\`*\[\]<>|~]|&(?=#?\w+;)|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# What could open a block when the text starts a line: heading, quote, list
# item, thematic break or setext underline, ordered list item.
_BLOCK_START = re.compile(r"^(?:[#>]|[-+=](?=\s|[-=\s]*$))")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escape(text: str) -> str:
    """Escape wiki (or any) text for inline Markdown: one line, no live markup."""
    flat = " ".join(text.split())
    flat = _INLINE.sub(lambda m: "\\" + m[0], flat)
    flat = _BLOCK_START.sub(lambda m: "\\" + m[0], flat)
    return _ORDERED.sub(r"\1\\\2", flat)


def escape_cell(text: str) -> str:
    """Escape text for a table cell: pipes and newlines never break the row."""
    return escape(text)  # `|` is escaped by `escape`, newlines are folded


def _code(text: str) -> str:
    text = " ".join(text.split()).replace("`", "'")
    return f"`{text}`" if text else ""


def _url(url: str) -> str:
    """A URL as a Markdown link destination: nothing in it can end the link."""
    return re.sub(r"[\s()<>\\]", lambda m: f"%{ord(m[0]):02X}", url)


def _link(text: str, url: str) -> str:
    if not text or not is_web_url(url):
        return escape(text)
    return f"[{escape(text)}]({_url(url)})"


def _spaced(text: str) -> str:
    """Escape a piece of text, keeping the spaces that join it to its neighbours."""
    lead = " " if text[:1].isspace() else ""
    return lead + escape(text) + (" " if text[-1:].isspace() and text.strip() else "")


def _rich(text: Rich) -> str:
    if isinstance(text, str):
        return escape(text)
    return "".join(_spaced(p) if isinstance(p, str) else _link(p.text, p.url) for p in text)


def _cell(cell: Cell, strong: bool) -> str:
    text = _code(cell.text) if cell.code else escape_cell(cell.text)
    if cell.url and not cell.href and text:
        text = _link(cell.text, cell.url)
    return f"**{text}**" if strong and text else text


def _table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(escape_cell(h) for h in table.header) + " |",
        "|" + "|".join("---" for _ in table.header) + "|",
    ]
    for i, row in enumerate(table.rows):
        strong = i < len(table.row_css) and table.row_css[i] == "changed"
        lines.append("| " + " | ".join(_cell(c, strong) for c in row) + " |")
    return lines


def _block(block: Block, colon: str = ":") -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + escape(block.text)]
    if isinstance(block, Paragraph):
        return [escape(block.text)]
    if isinstance(block, Quote):
        return ["> " + escape(block.text)]
    if isinstance(block, Fields):
        return [f"- **{escape(k)}{colon}** {_rich(v)}" for k, v in block.items]
    if isinstance(block, Items):
        more = [f"- *{escape(block.more)}*"] if block.more else []
        return [f"- {_rich(item)}" for item in block.items] + more
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Figure):
        alt = escape(block.alt or block.caption)
        note = [f"*{escape(block.note)}*"] if block.note else []
        image = f"![{alt}](plots/{block.name}.png)"
        return [f"**{escape(block.caption)}**", "", image, *([""] if note else []), *note]
    raise TypeError(f"unknown block {block!r}")


def render_blocks(blocks: Iterable[Block], colon: str = ":") -> str:
    """Render report blocks as Markdown, one blank line between blocks."""
    parts = ["\n".join(_block(b, colon)) for b in blocks]
    return "\n\n".join(parts) + "\n"


def render_markdown(
    frames: Mapping[str, pd.DataFrame],
    ctx: ReportContext,
    plots: Iterable[str] | None = None,
) -> str:
    """Render the report as Markdown.

    Args:
        frames: the frames by name (``checks``, ``claim_history``, ``events``, …);
            missing or empty frames are reported as such.
        ctx: what the report says about the run.
        plots: names of the plots written to ``plots/<name>.png``; by default
            every plot the frames hold data for.
    """
    names = available_plots(frames) if plots is None else list(plots)
    return render_blocks(build_report(frames, ctx, names), language(ctx.lang)("colon"))
