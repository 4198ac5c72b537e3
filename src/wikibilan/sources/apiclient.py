"""The MediaWiki Action API over a :class:`PoliteSession`: find it, decode, map errors, continue.

Layers, bottom up: ``PoliteSession`` (HTTP, retries, maxlag waits) →
mwclient's ``Site.api`` (JSON decoding and API error detection; its own
retry loop is switched off with ``max_retries=0`` so that every wait happens
in the session) → :meth:`ApiClient.query` (our error mapping, ``maxlag`` and
``formatversion=2`` on every call) → :meth:`ApiClient.iter_query`
(continuation). Nothing here touches the network before the first query.
:func:`probe_api` finds ``api.php`` from any URL of the wiki.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import mwclient
import mwclient.errors
import requests

from ..errors import NoApiError, OffSiteError, SourceError
from .http import PoliteSession

log = logging.getLogger(__name__)

ParamValue = str | int | Sequence[str] | Sequence[int]
SITEINFO_PROPS = "general|namespaces|namespacealiases|statistics"
API_PATHS = ("/api.php", "/w/api.php", "/wiki/api.php")
_EDIT_URI = re.compile(r"<link\b[^>]*\brel=[\"']EditURI[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)
T = TypeVar("T")
TRANSIENT_API_ERRORS = frozenset(
    {
        "readonly",
        "ratelimited",
        "internal_api_error_DBConnectionError",
        "internal_api_error_DBQueryError",
    }
)
"""API error codes that say "not now" rather than "no": retried like an HTTP 503."""


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Split ``items`` into consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What ``meta=siteinfo`` says about a wiki."""

    name: str = ""
    lang: str = ""
    generator: str = ""
    base_url: str = ""
    """The main page's URL (``base``)."""
    server: str = ""
    """``https://host`` (or protocol-relative ``//host``)."""
    article_path: str = ""
    """The path of a page, ``$1`` for its title: ``/wiki/$1``, ``/index.php/$1``…"""
    namespaces: Mapping[str, int] = field(default_factory=dict)
    """Lower-case namespace names, canonical names and aliases -> namespace id."""
    statistics: Mapping[str, int] = field(default_factory=dict)
    """``pages``, ``articles``, ``edits``, ``users``… as the wiki counts them."""

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> SiteInfo:
        """Read the ``query`` part of a siteinfo answer (formatversion 2)."""
        general = query.get("general", {})
        names: dict[str, int] = {}
        for ns in query.get("namespaces", {}).values():
            for key in ("name", "canonical"):
                if ns.get(key):
                    names[str(ns[key]).lower()] = int(ns["id"])
        for alias in query.get("namespacealiases", []):
            names[str(alias.get("alias", "")).lower()] = int(alias["id"])
        stats = {k: int(v) for k, v in query.get("statistics", {}).items() if isinstance(v, int)}
        return cls(
            name=str(general.get("sitename", "")),
            lang=str(general.get("lang", "")),
            generator=str(general.get("generator", "")),
            base_url=str(general.get("base", "")),
            server=str(general.get("server", "")),
            article_path=str(general.get("articlepath", "")),
            namespaces=names,
            statistics=stats,
        )

    def split_namespace(self, title: str) -> tuple[int, str]:
        """Split ``Ns:rest`` into (namespace id, rest); (0, title) when not a namespace."""
        head, sep, rest = title.partition(":")
        if sep:
            ns = self.namespaces.get(head.strip().replace("_", " ").lower())
            if ns is not None:
                return ns, rest.lstrip()
        return 0, title


class ApiClient:
    """Calls to one wiki's ``api.php``, through mwclient and a polite session.

    Args:
        api_url: the full URL of ``api.php``.
        session: the polite session every request goes through.
        maxlag: sent on every request (seconds of replication lag we accept).
        siteinfo: what is already known of the wiki (saves a request).
    """

    def __init__(
        self,
        api_url: str,
        session: PoliteSession,
        *,
        maxlag: int = 5,
        siteinfo: SiteInfo | None = None,
    ) -> None:
        parts = urlsplit(api_url)
        directory, _, script = parts.path.rpartition("/")
        name, dot, ext = script.partition(".")
        if parts.scheme not in ("http", "https") or not parts.netloc or name != "api":
            raise SourceError(f"{api_url} does not look like the URL of api.php", url=api_url)
        self.api_url = api_url
        self.session = session
        self.maxlag = maxlag
        self.siteinfo = siteinfo
        self.started_at: str | None = None
        """Server time of the first answer (``curtimestamp``), ISO 8601."""
        # do_init=False: the constructor must not contact the wiki.
        # max_retries=0: mwclient never sleeps; PoliteSession did all the waiting.
        self._site = mwclient.Site(
            parts.netloc,
            path=directory + "/",
            ext=dot + ext,
            scheme=parts.scheme,
            pool=session,
            do_init=False,
            max_retries=0,
            retry_timeout=0,
            max_lag=maxlag,
            connection_options={"timeout": session.politeness.timeout},
        )

    def query(
        self, params: Mapping[str, ParamValue], *, ok_errors: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Send one ``action=query`` request and return the decoded answer.

        While the site information is unknown, it rides along with this request
        (``meta=siteinfo``), so it never costs a request of its own.

        Args:
            params: query parameters; sequences are joined with ``|``.
            ok_errors: API error codes returned as ``{"error": …}`` instead of raised.

        Raises:
            SourceError: the API refused the query.
            RetryBudgetExhausted: it kept answering "not now" (read-only, database
                errors, HTML instead of JSON) until the retries ran out.
        """
        sent = {k: _join(v) for k, v in params.items()}
        piggyback = self.siteinfo is None and "meta" not in sent
        if piggyback:
            sent.update(meta="siteinfo", siprop=SITEINFO_PROPS)
        sent.update(formatversion="2", maxlag=str(self.maxlag), curtimestamp="1")
        answer = self._call(sent, frozenset(ok_errors))
        _log_warnings(answer)
        if self.started_at is None and answer.get("curtimestamp"):
            self.started_at = str(answer["curtimestamp"])
        query = answer.get("query", {})
        if self.siteinfo is None and "general" in query:
            self.siteinfo = SiteInfo.from_query(query)
        return dict(answer)

    def _call(self, sent: dict[str, str], ok_errors: frozenset[str]) -> dict[str, Any]:
        """One API call; answers that mean "not now" are retried on the session's budget."""
        attempt = 0
        while True:
            try:
                return dict(self._site.api("query", "GET", **sent))
            except mwclient.errors.APIError as exc:
                if exc.code in ok_errors:
                    return {"error": {"code": exc.code, "info": exc.info}}
                if exc.code not in TRANSIENT_API_ERRORS:
                    raise SourceError(
                        f"the API of {self.api_url} refused a query ({exc.code}: {exc.info})",
                        url=self.api_url,
                    ) from exc
                reason = f"API error {exc.code}"
            except mwclient.errors.APIDisabledError as exc:
                raise NoApiError(
                    f"the API of {self.api_url} is disabled; use --source archive",
                    url=self.api_url,
                ) from exc
            except mwclient.errors.InvalidResponse:
                # api.php found earlier answers HTML or garbage: a proxy's or host's
                # error page, not a change of software. Try again, within the budget.
                reason = "an answer that is not JSON"
            except mwclient.errors.MaximumRetriesExceeded:
                # mwclient saw a database error answer and would have slept on it.
                reason = "a database error"
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                raise SourceError(
                    f"{self.api_url} answered HTTP {status}", url=self.api_url, status=status
                ) from exc
            attempt += 1
            self.session.backoff(self.api_url, reason, attempt)

    def iter_query(
        self,
        params: Mapping[str, ParamValue],
        *,
        ok_errors: Iterable[str] = (),
        start: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every answer of a query, following ``continue`` to the end.

        Args:
            params: the query.
            ok_errors: as for :meth:`query`.
            start: a ``continue`` value from an earlier answer, to resume there.

        Raises:
            SourceError: as :meth:`query`, or the wiki sent the same continuation
                twice (it would never end).
        """
        cont: dict[str, Any] = dict(start or {})
        while True:
            answer = self.query({**params, **cont}, ok_errors=ok_errors)
            yield answer
            if "continue" not in answer:
                return
            following = dict(answer["continue"])
            if following == cont:
                raise SourceError(
                    f"{self.api_url} sent the same continuation twice ({following}); "
                    "stopping instead of looping",
                    url=self.api_url,
                )
            cont = following

    def fetch_siteinfo(self) -> SiteInfo:
        """The site information, asking the wiki only when it is not known yet."""
        if self.siteinfo is None:
            answer = self.query({"meta": "siteinfo", "siprop": SITEINFO_PROPS})
            self.siteinfo = SiteInfo.from_query(answer.get("query", {}))
        return self.siteinfo


def _join(value: ParamValue) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return "|".join(str(v) for v in value)


def _log_warnings(answer: Mapping[str, Any]) -> None:
    for module, warning in answer.get("warnings", {}).items():
        text = warning.get("warnings") if isinstance(warning, dict) else warning
        # "result": the answer was cut at the size limit and continues; nothing is lost
        level = logging.DEBUG if module == "result" else logging.WARNING
        log.log(level, "API warning from %s: %s", module, text)


# -- finding api.php ------------------------------------------------------------


def _probe(candidate: str, session: PoliteSession) -> SiteInfo | None:
    """Ask ``candidate`` for its siteinfo; None when it is not a MediaWiki API."""
    try:
        response = session.get(
            candidate,
            params={
                "action": "query",
                "meta": "siteinfo",
                "siprop": SITEINFO_PROPS,
                "format": "json",
                "formatversion": "2",
                "maxlag": str(session.politeness.maxlag),
            },
        )
    except OffSiteError as exc:
        log.info("not following %s: %s", candidate, exc)
        return None
    if response.status_code != 200:
        return None
    try:
        answer = response.json()
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    query = answer.get("query", {})
    if isinstance(query, dict) and str(query.get("general", {}).get("generator", "")).startswith(
        "MediaWiki"
    ):
        return SiteInfo.from_query(query)
    error = answer.get("error")
    if isinstance(error, dict) and error.get("code") in ("readapidenied", "maxlag"):
        return SiteInfo()  # an API, if a closed one
    return None


def _edit_uri(page_url: str, session: PoliteSession) -> str | None:
    """The API URL a page advertises with ``<link rel="EditURI">``, if any."""
    try:
        response = session.get(page_url)
    except OffSiteError:
        return None
    if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
        return None
    match = _EDIT_URI.search(response.text)
    href = _HREF.search(match.group(0)) if match else None
    if href is None:
        return None
    url = urljoin(response.url or page_url, unescape(href.group(1)))
    return urlunsplit(urlsplit(url)._replace(query="", fragment=""))


def probe_api(url: str, session: PoliteSession) -> tuple[str, SiteInfo]:
    """Find the ``api.php`` of the wiki at ``url`` and what it says about itself.

    Tries ``url`` itself when it names ``api.php``, then ``/api.php``,
    ``/w/api.php``, ``/wiki/api.php`` on its host, then the ``EditURI`` link of
    the page at ``url``. Each try is one request.

    Raises:
        NoApiError: none of them is a MediaWiki API.
    """
    parts = urlsplit(url if "//" in url else "https://" + url)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    candidates: list[str] = []
    if parts.path.endswith("api.php"):
        candidates.append(urlunsplit(parts._replace(query="", fragment="")))
    candidates += [root + path for path in API_PATHS]
    for candidate in dict.fromkeys(candidates):
        info = _probe(candidate, session)
        if info is not None:
            return candidate, info
    advertised = _edit_uri(urlunsplit(parts), session)
    if advertised and urlsplit(advertised).hostname != parts.hostname:
        log.warning("not following the EditURI link of %s to another host: %s", url, advertised)
        advertised = None
    if advertised and advertised not in candidates:
        info = _probe(advertised, session)
        if info is not None:
            return advertised, info
    raise NoApiError(
        f"{url} has no MediaWiki API (tried {', '.join(candidates)} and the page's "
        "EditURI link); use --source archive",
        url=url,
    )


def discover_api(url: str, session: PoliteSession) -> str:
    """Return the URL of the ``api.php`` of the wiki at ``url``.

    Raises:
        NoApiError: the site has no MediaWiki API (use ``--source archive``).
    """
    return probe_api(url, session)[0]
