"""Command line: arguments, logging, progress and exit codes; the work is in ``library``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wikibilan import __version__
from wikibilan.config import DEFAULT_CACHE, DEFAULT_OUT, DEFAULT_SITE, Politeness, Selection
from wikibilan.errors import UsageError, WikibilanError
from wikibilan.model import FetchProgress

log = logging.getLogger("wikibilan")
EXIT_OK, EXIT_CONTRADICTED, EXIT_USAGE, EXIT_SOURCE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one sentence and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(
            f"{message} (see `wikibilan {self.prog.split()[-1]} --help`)"
            if " " in self.prog
            else f"{message} (see `wikibilan --help`)"
        )


def _as_of(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r} (e.g. 2017-11-30)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


def _politeness(args: argparse.Namespace) -> Politeness | None:
    """The politeness the flags ask for, or None for the defaults."""
    changes = {field: value for field, value in (
        ("min_interval", getattr(args, "interval", None)),
        ("timeout", getattr(args, "timeout", None)),
        ("max_retries", getattr(args, "retries", None)),
    ) if value is not None}  # fmt: skip
    if changes.get("max_retries", 0) < 0:
        raise UsageError("--retries must be 0 or more")
    return replace(Politeness(), **changes) if changes else None


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (exercised by the docs test)."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"the SQLite store (default {DEFAULT_CACHE})",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log details, show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress, only errors")
    parser = _Parser(
        prog="wikibilan",
        description=(
            "Fetch a MediaWiki's pages and history, turn them into tidy data, and check the "
            "figures its bilan page published against the wiki's own record."
        ),
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"wikibilan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    site_opts = _Parser(add_help=False)
    site_opts.add_argument("--site", help=f"wiki URL (default {DEFAULT_SITE} for fetch)")
    site_opts.add_argument(
        "--source",
        choices=["auto", "api", "archive"],
        default="auto",
        help="how to read a live site (default auto: API, else archive)",
    )
    polite = Politeness()
    site_opts.add_argument(
        "--interval",
        type=_seconds,
        metavar="SECONDS",
        help=f"least time between requests (default {polite.min_interval:g})",
    )
    site_opts.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help=f"how long to wait for an answer (default {polite.timeout:g})",
    )
    site_opts.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help=f"retries of a failing request (default {polite.max_retries})",
    )
    out_opts = _Parser(add_help=False)
    out_opts.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})"
    )
    check_opts = _Parser(add_help=False)
    check_opts.add_argument("--as-of", type=_as_of, help="check against the wiki as of this date")
    check_opts.add_argument(
        "--strict", action="store_true", help="exit 1 when a published figure is contradicted"
    )

    p = sub.add_parser(
        "run",
        parents=[common, site_opts, out_opts, check_opts],
        help="fetch (unless --offline), extract, check and report",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="never touch the network: use the store, or the shipped fixtures",
    )
    p = sub.add_parser("fetch", parents=[common, site_opts], help="fetch pages and history")
    p.add_argument("--category", action="append", default=[], help="a category to take")
    p.add_argument("--prefix", action="append", default=[], help="a title prefix to take")
    p.add_argument("--title", action="append", default=[], help="a title to take (repeatable)")
    p.add_argument("--links", type=int, default=None, help="also take linked pages, to depth N")
    p = sub.add_parser("import", parents=[common], help="import an XML export into the store")
    p.add_argument("dump", type=Path, metavar="DUMP.xml")
    p = sub.add_parser("export", parents=[common], help="write the store as an XML export")
    p.add_argument("output", type=Path, metavar="OUT.xml")
    p.add_argument("--site", help="the site to export when the store holds several")
    p = sub.add_parser("extract", parents=[common, out_opts], help="store -> frames -> CSVs")
    p.add_argument("--site", help="the site to extract when the store holds several")
    p = sub.add_parser(
        "check",
        parents=[common, out_opts, check_opts],
        help="verdicts for every published figure, and the report",
    )
    p.add_argument("--site", help="the site to check when the store holds several")
    sub.add_parser("verify", parents=[common], help="store integrity: sha1s and history gaps")
    return parser


class _LazyBar:
    """A tqdm bar on stderr that appears only once there is work to show."""

    def __init__(self, desc: str, unit: str) -> None:
        self.desc, self.unit = desc, unit
        self._bar: Any = None

    @property
    def bar(self) -> Any:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(desc=self.desc, unit=self.unit, file=sys.stderr, leave=False,
                             delay=0.5, dynamic_ncols=True)  # fmt: skip
        return self._bar

    def advance(self, n: int) -> None:
        self.bar.update(n)

    def show(self, p: FetchProgress) -> None:
        bar = self.bar
        bar.total, bar.n = p.pages_total, p.pages_done
        bar.set_postfix(revisions=p.revisions_new, requests=p.requests, retries=p.retries,
                        lag=p.lag, refresh=False)  # fmt: skip
        bar.refresh()


def _progress(args: argparse.Namespace, what: str) -> Callable[[int], None] | None:
    return None if args.quiet else _LazyBar(what, " rev").advance


def _cmd_import(args: argparse.Namespace) -> int:
    from wikibilan.library import import_file

    r = import_file(args.dump, args.cache, _progress(args, "import"))
    _say(
        args,
        f"imported {r.revisions_new} new revisions ({r.revisions_read} read, "
        f"{r.pages} pages) into {args.cache}",
    )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from wikibilan.library import export_file

    n = export_file(args.output, args.cache, args.site)
    _say(args, f"wrote {n} revisions to {args.output}")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace, *, report: bool = True, fetch: bool = True) -> int:
    from wikibilan import library

    offline = getattr(args, "offline", True) or not fetch
    site = getattr(args, "site", None)
    if not offline:
        _cmd_fetch(args)
        site = site or DEFAULT_SITE  # check the site just fetched, whatever else is stored
    # Only `run --offline` falls back to the shipped fixtures; extract and check
    # work on what the store holds.
    result = library.run(
        args.cache,
        args.out,
        site,
        getattr(args, "as_of", None),
        offline=offline,
        report=report,
        progress=_progress(args, "import"),
        fixtures=fetch,
        checks=report,  # extract (no report) stops at the frames: no checks.csv
    )
    counts = result.checks["verdict"].value_counts().to_dict() if not result.checks.empty else {}
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    _say(
        args,
        f"{result.site}: wrote {len(result.outputs)} files to {args.out}"
        + (f" — {summary}" if summary else ""),
    )
    if getattr(args, "strict", False) and result.contradicted:
        return EXIT_CONTRADICTED
    return EXIT_OK


def _selection(args: argparse.Namespace) -> Selection | None:
    """The selection the flags give, or None for the default Lille selection."""
    titles, cats, prefixes = (getattr(args, n, None) or [] for n in ("title", "category", "prefix"))
    links = getattr(args, "links", None)
    if not (titles or cats or prefixes):
        if links is None:
            return None
        from wikibilan.sources.selection import default_selection

        return replace(default_selection(), links=links)
    return Selection(
        titles=tuple(titles), categories=tuple(cats), prefixes=tuple(prefixes), links=links or 0
    )


def _fetch_progress(args: argparse.Namespace) -> Callable[[FetchProgress], None] | None:
    return None if args.quiet else _LazyBar("fetch", " page").show


def _cmd_fetch(args: argparse.Namespace) -> int:
    from wikibilan.library import fetch

    def chosen(source: str, reason: str) -> None:
        _say(args, f"using the {source} source: {reason}")

    outcome = fetch(
        args.site or DEFAULT_SITE,
        args.cache,
        source=args.source,
        selection=_selection(args),
        politeness=_politeness(args),
        progress=_fetch_progress(args),
        on_choice=chosen,
    )
    r = outcome.result
    _say(
        args,
        f"{getattr(r, 'site', '')}: {getattr(r, 'pages', '?')} pages, "
        f"{getattr(r, 'revisions_new', '?')} new revisions, "
        f"{getattr(r, 'requests', '?')} requests",
    )
    if getattr(r, "repaired", 0):
        _say(args, f"{r.repaired} stored revisions failed their sha1 and were downloaded again")
    for title in getattr(r, "deleted", ()):
        _say(args, f"deleted on the wiki (kept in the store): {title}")
    for old, new in getattr(r, "moved", ()):
        _say(args, f"moved on the wiki: {old} -> {new}")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from wikibilan.library import verify

    report = verify(args.cache)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_USAGE


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "fetch": _cmd_fetch,
    "import": _cmd_import,
    "export": _cmd_export,
    "extract": lambda a: _cmd_run(a, report=False, fetch=False),
    "check": lambda a: _cmd_run(a, report=True, fetch=False),
    "verify": _cmd_verify,
}


def _say(args: argparse.Namespace, message: object) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.DEBUG
            if args.verbose
            else logging.ERROR
            if args.quiet
            else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        if args.command is None:
            build_parser().print_help(sys.stderr)
            return EXIT_USAGE
        return COMMANDS[args.command](args)
    except WikibilanError as exc:
        if verbose:
            log.exception("failed")
        print(f"wikibilan: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("wikibilan: interrupted; what was stored so far is kept", file=sys.stderr)
        return 130
