"""Command line: arguments, logging, progress and exit codes; the work is in ``library``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wikibilan._version import __version__
from wikibilan.config import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    USER_AGENT,
    Politeness,
    Selection,
)
from wikibilan.errors import UsageError, WikibilanError
from wikibilan.model import FetchProgress

if TYPE_CHECKING:
    from wikibilan.profile import Profile

log = logging.getLogger("wikibilan")
EXIT_OK, EXIT_CONTRADICTED, EXIT_USAGE, EXIT_SOURCE, EXIT_VERIFY = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
EXIT_CODES = f"""exit codes:
  {EXIT_OK}    ok
  {EXIT_CONTRADICTED}    a check contradicted a published figure, only with --strict
  {EXIT_USAGE}    usage or input error: a bad option, an unreadable file or output,
       no store where one is needed, an unusable store
  {EXIT_SOURCE}    source unreachable, or not a MediaWiki
  {EXIT_VERIFY}    verify found a problem in the store
  {EXIT_INTERRUPTED}  interrupted (what was stored so far is kept)"""
# Third-party loggers whose warnings ("Retrying …") only -v shows.
QUIET_LOGGERS = ("urllib3", "requests", "charset_normalizer")
BAR_DELAY = 0.5  # seconds before a bar appears: short jobs print only their summary


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one sentence and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(
            f"{message} (see `wikibilan {self.prog.split()[-1]} --help`)"
            if " " in self.prog
            else f"{message} (see `wikibilan --help`)"
        )


def _as_of(text: str) -> datetime:
    from wikibilan.library import as_of_datetime

    try:
        value = as_of_datetime(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    assert value is not None
    return value


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a depth (0 or more): {text!r}")
    return value


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
        ("user_agent", getattr(args, "user_agent", None)),
    ) if value is not None}  # fmt: skip
    if changes.get("max_retries", 0) < 0:
        raise UsageError("--retries must be 0 or more")
    return replace(Politeness(), **changes) if changes else None


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after its name alike.

    Defined here once, added to the top-level parser and to each subcommand's. On
    a subcommand their default is SUPPRESS: a subparser writes its defaults over
    the values already parsed, so ``--cache X verify`` would otherwise lose X.
    """

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--cache",
        type=Path,
        default=default(DEFAULT_CACHE),
        help=f"the SQLite store (default {DEFAULT_CACHE})",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=default(None),
        metavar="PATH",
        help="the site profile: the wiki, its report and claims (default: the profile "
        "shipped with wikibilan; see README, 'Use it on another wiki')",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log details, show tracebacks",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no progress, only errors",
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (exercised by the docs test)."""
    common = _Parser(add_help=False)
    _add_common(common, top=False)
    parser = _Parser(
        prog="wikibilan",
        description=(
            "Fetch a MediaWiki's pages and history, turn them into tidy data, and check the "
            "figures its bilan page published against the wiki's own record."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, top=True)
    parser.add_argument("--version", action="version", version=f"wikibilan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    site_opts = _Parser(add_help=False)
    site_opts.add_argument("--site", help="wiki URL (default: the profile's site)")
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
    site_opts.add_argument(
        "--user-agent",
        metavar="TEXT",
        default=USER_AGENT,
        help="how requests name this program; it must give a contact, a URL or an e-mail "
        f"address, as Wikimedia's User-Agent policy asks (default {USER_AGENT!r})",
    )
    out_opts = _Parser(add_help=False)
    out_opts.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})"
    )
    check_opts = _Parser(add_help=False)
    check_opts.add_argument(
        "--as-of",
        type=_as_of,
        metavar="DATE",
        help="check the figures against the wiki as it stood then: each page taken at its "
        "last revision at or before DATE (default: the date of the bilan's latest "
        "revision). DATE is YYYY-MM-DD or an ISO datetime (2017-11-30T14:40, "
        "2017-11-30T14:40+01:00); without a zone it is UTC, a bare date 00:00 UTC",
    )
    check_opts.add_argument(
        "--strict", action="store_true", help="exit 1 when a published figure is contradicted"
    )
    check_opts.add_argument(
        "--lang",
        choices=("en", "fr"),
        help="the report's language (default: the wiki's, from the profile)",
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
    p.add_argument(
        "--links",
        type=_depth,
        default=None,
        metavar="N",
        help="also take the pages linked from the selected ones, to depth N (0 or more)",
    )
    p = sub.add_parser("import", parents=[common], help="import an XML export into the store")
    p.add_argument("dump", type=Path, metavar="DUMP.xml")
    p = sub.add_parser("export", parents=[common], help="write the store as an XML export")
    p.add_argument("output", type=Path, metavar="OUT.xml")
    p.add_argument("--site", help="the site to export when the store holds several")
    p = sub.add_parser(
        "extract", parents=[common, out_opts], help="store -> frames -> their CSVs (no checks)"
    )
    p.add_argument("--site", help="the site to extract when the store holds several")
    p = sub.add_parser(
        "check",
        parents=[common, out_opts, check_opts],
        help="verdicts for every published figure, and the report",
    )
    p.add_argument("--site", help="the site to check when the store holds several")
    p.add_argument(
        "--json",
        action="store_true",
        help="also print the checks on stdout as a JSON array of objects, one per check "
        "(numbers as numbers, null when missing), and nothing else there; with --strict "
        f"the exit code still says whether a figure was contradicted ({EXIT_CONTRADICTED})",
    )
    sub.add_parser(
        "verify",
        parents=[common],
        help=f"store integrity: sha1s and history gaps (exit {EXIT_VERIFY} on a problem)",
    )
    return parser


class _Bar:
    """A tqdm bar on stderr, created at its first update (or at ``start``).

    Made only when stderr is a terminal (see :func:`_bar`), and closed (its line
    cleared) before the command prints its summary.
    """

    def __init__(self, desc: str, unit: str, *, total: int | None = None, scale: bool = False):
        self.desc, self.unit, self.total, self.scale = desc, unit, total, scale
        self.lag = False  # shown only for the API source, the only one with a lag
        self._bar: Any = None

    def start(self, initial: int = 0) -> Any:
        if self._bar is None:
            from tqdm import tqdm

            # `initial` keeps a resumed fetch's pages out of the rate; short jobs
            # (under half a second) draw nothing.
            self._bar = tqdm(desc=self.desc, unit=self.unit, total=self.total, initial=initial,
                             unit_scale=self.scale, file=sys.stderr, leave=False, delay=BAR_DELAY,
                             smoothing=0.1, dynamic_ncols=True)  # fmt: skip
        return self._bar

    def advance(self, n: int) -> None:
        self.start().update(n)

    def show(self, p: FetchProgress) -> None:
        first = self._bar is None
        self.total = p.pages_total
        bar = self.start(initial=p.pages_done)
        bar.total = p.pages_total
        postfix: dict[str, object] = {
            "revisions": p.revisions_new, "requests": p.requests, "retries": p.retries
        }  # fmt: skip
        if self.lag:
            postfix["lag"] = p.lag
        bar.set_postfix(postfix, refresh=False)
        bar.update(0 if first else p.pages_done - bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@contextmanager
def _bar(args: argparse.Namespace, desc: str, unit: str, **kwargs: Any) -> Iterator[_Bar | None]:
    """A progress bar on a terminal (never with -q, never into a file or pipe), closed after."""
    bar = _Bar(desc, unit, **kwargs) if not args.quiet and sys.stderr.isatty() else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


def _cmd_import(args: argparse.Namespace) -> int:
    from wikibilan.library import import_dump

    size = args.dump.stat().st_size if args.dump.is_file() else None
    with _bar(args, "import", "B", total=size, scale=True) as bar:
        if bar is not None:
            bar.start()
        r = import_dump(args.dump, args.cache, bar.advance if bar is not None else None)
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
    profile = library.get_profile(args.profile)
    if not offline:
        if args.out is not None:
            from wikibilan.report import check_out_dir

            check_out_dir(Path(args.out))  # a bad --out fails before the fetch, not after
        _cmd_fetch(args, profile)
        site = site or profile.site.url  # check the site just fetched, whatever else is stored
    # Only `run --offline` falls back to the shipped fixtures; extract and check
    # work on what the store holds.
    with _bar(args, "import", "B", scale=True) as bar:
        result = library.run(
            args.cache,
            args.out,
            site,
            getattr(args, "as_of", None),
            offline=offline,
            report=report,
            progress=bar.advance if bar is not None else None,
            fixtures=fetch,
            checks=report,  # extract (no report) stops at the frames: no checks.csv
            profile=profile,
            lang=getattr(args, "lang", None),
        )
    if getattr(args, "json", False):
        from wikibilan.report import frame_to_json

        print(frame_to_json(result.checks, "checks"))
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


def _selection(args: argparse.Namespace, default: Selection) -> Selection | None:
    """The selection the flags give, or None for the profile's selection."""
    titles, cats, prefixes = (getattr(args, n, None) or [] for n in ("title", "category", "prefix"))
    links = getattr(args, "links", None)
    if not (titles or cats or prefixes):
        return None if links is None else replace(default, links=links)
    return Selection(
        titles=tuple(titles), categories=tuple(cats), prefixes=tuple(prefixes), links=links or 0
    )


# How the fetch summary names each status of the pages a fetch met (model.PageCoverage).
COVERAGE_WORDS = {
    "fetched": "fetched",
    "found": "found (linked, beyond the link depth)",
    "missing": "missing (not on the wiki or mirror)",
    "skipped": "skipped (outside the selection)",
}


def _cmd_fetch(args: argparse.Namespace, profile: Profile | None = None) -> int:
    from wikibilan.library import fetch, get_profile

    profile = profile or get_profile(args.profile)

    with _bar(args, "fetch", " page") as bar:

        def chosen(source: str, reason: str) -> None:
            _say(args, f"using the {source} source: {reason}")
            if bar is not None:
                bar.lag = source == "api"

        outcome = fetch(
            args.site,
            args.cache,
            profile=profile,
            source=args.source,
            selection=_selection(args, profile.selection),
            politeness=_politeness(args),
            progress=bar.show if bar is not None else None,
            on_choice=chosen,
        )
    r = outcome.result
    _say(args, f"{r.site}: {r.pages} pages, {r.revisions_new} new revisions, {r.requests} requests")
    if r.coverage:
        counts = Counter[str](c.status for c in r.coverage)
        met = ", ".join(f"{counts[s]} {COVERAGE_WORDS[s]}" for s in COVERAGE_WORDS if counts[s])
        _say(args, f"pages met: {met}; extract lists them in coverage.csv")
    for warning in r.warnings:
        _say(args, f"warning: {warning}")
    if r.repaired:
        _say(args, f"{r.repaired} stored revisions failed their sha1 and were downloaded again")
    for title in r.deleted:
        _say(args, f"deleted on the wiki (kept in the store): {title}")
    for old, new in r.moved:
        _say(args, f"moved on the wiki: {old} -> {new}")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from wikibilan.library import verify

    report = verify(args.cache)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_VERIFY


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


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in QUIET_LOGGERS:
        # NOTSET: with -v they log as the root logger does
        logging.getLogger(name).setLevel(logging.NOTSET if args.verbose else logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Known before parsing, so that a parse error shows its traceback with -v too.
    verbose = "-v" in argv or "--verbose" in argv
    try:
        args = build_parser().parse_args(argv)
        verbose = args.verbose
        _configure_logging(args)
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
        return EXIT_INTERRUPTED
