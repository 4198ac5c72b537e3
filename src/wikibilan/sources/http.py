"""A polite HTTP session: the transport layer every live source sits on.

One connection, a descriptive User-Agent, a minimum interval between requests,
retries with exponential backoff and jitter that honour ``Retry-After``
(seconds or HTTP date) on 429/5xx and on MediaWiki ``maxlag`` errors, a retry
budget shared by the whole session, a cap on response size, and redirects
followed only on the same host. Only transient failures are retried (timeouts,
resets, truncated answers, 429, 5xx, maxlag); a host name that does not
resolve, a refused connection, a TLS failure or a URL that is not http(s)
fails at once with :class:`UnreachableError`: waiting would not change them.

Why not urllib3's ``Retry`` or tenacity: a maxlag error arrives as an HTTP 200
whose JSON body says ``maxlag``, a truncated body only shows while streaming
it, and the budget spans every request of a fetch, not one call; urllib3
cannot see the first two and would sleep with ``time.sleep`` behind our back.
The loop below is short, and its clock, sleep and randomness are injected so
tests can record the waits while still talking real HTTP.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from ..config import Politeness
from ..errors import OffSiteError, RetryBudgetExhausted, SourceError, UnreachableError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
_TRANSIENT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_BAD_URL_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (requests -> urllib3 -> socket/ssl)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = (*current.args, getattr(current, "reason", None), current.__cause__,
                   current.__context__)  # fmt: skip
        todo += [e for e in wrapped if isinstance(e, BaseException)]


def permanent_failure(exc: BaseException) -> str | None:
    """Why a failed connection can never succeed by retrying, or None when it may.

    A host name that does not resolve, a refused connection and a TLS failure
    are permanent; timeouts, resets and truncated answers are transient.
    """
    if isinstance(exc, requests.exceptions.Timeout):
        return None
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, socket.gaierror | urllib3.exceptions.NameResolutionError):
            return "its host name does not resolve"
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
    for cause in causes:
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return f"TLS failed ({str(cause.reason).lower().replace('_', ' ')})"
    if any(isinstance(c, ssl.SSLError | requests.exceptions.SSLError) for c in causes):
        return "TLS failed"
    return None


def describe_failure(exc: BaseException) -> str:
    """A few words for a transient failure (no 400-character urllib3 repr)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "a truncated answer"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "an answer that cannot be decoded"
    for cause in _causes(exc):
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, ConnectionAbortedError | BrokenPipeError):
            return "connection aborted"
        if isinstance(cause, http.client.RemoteDisconnected):
            return "connection closed without an answer"
    for cause in _causes(exc):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
    return type(exc).__name__


@dataclass(slots=True)
class HttpStats:
    """Counters a progress display can show; they only ever grow."""

    requests: int = 0
    """HTTP requests sent, every attempt and redirect hop included."""
    retries: int = 0
    throttled: int = 0
    """Answers 429 or 503 (the server asked us to slow down)."""
    maxlag: int = 0
    """MediaWiki maxlag refusals (replication lag above our ``maxlag``)."""
    last_lag: float = 0.0
    """Replication lag in seconds the server last reported."""
    waited: float = 0.0
    """Seconds spent sleeping: interval plus backoff."""
    bytes: int = 0
    """Decoded response bytes read."""


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date).

    Args:
        value: the header value, or None when absent.
        now: the current wall-clock time (Unix seconds), for the date form.

    Returns:
        A non-negative number of seconds, or None when absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; be lenient with naive ones
        return None
    return max(0.0, when.timestamp() - now)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def same_site(url: str, target: str) -> bool:
    """True when ``target`` is on the host of ``url`` (an http to https upgrade counts)."""
    scheme, host, port = _origin(url)
    t_scheme, t_host, t_port = _origin(target)
    if host != t_host:
        return False
    if (scheme, port) == (t_scheme, t_port):
        return True
    return scheme == "http" and t_scheme == "https" and t_port == 443


def note_stored(exc: SourceError, stored: int) -> None:
    """Say in ``exc``'s message what a fetch stored before it failed (when nothing: no word).

    Args:
        exc: the failure; its message is extended in place, before it is raised again.
        stored: revisions the failed fetch added to the store.
    """
    if stored:
        plural = "s were" if stored > 1 else " was"
        exc.args = (
            f"{exc}; {stored} new revision{plural} stored: run the command again later to resume",
            *exc.args[1:],
        )


class PoliteSession:
    """An HTTP session that waits, retries and refuses like a good guest.

    Args:
        politeness: User-Agent, interval, retry and size limits.
        session: the ``requests.Session`` to send with (one is made if absent).
        clock: monotonic seconds, for the interval between requests.
        sleep: how to wait; tests pass a recorder.
        wall_clock: Unix seconds, to read ``Retry-After`` dates.
        rng: randomness for the backoff jitter.
    """

    def __init__(
        self,
        politeness: Politeness | None = None,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.politeness = politeness or Politeness()
        if session is None:
            session = requests.Session()
            # One connection, reused; requests' own retries stay off.
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self._session = session
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._last_done: float | None = None
        self._budget_left = self.politeness.retry_budget
        self.stats = HttpStats()

    @property
    def cookies(self) -> requests.cookies.RequestsCookieJar:
        """The cookie jar of the underlying session (for a login)."""
        return self._session.cookies

    def close(self) -> None:
        """Close the connection."""
        self._session.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """Send a GET; see :meth:`request`."""
        return self.request("GET", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request, retrying transient failures; return the final response.

        The signature matches ``requests.Session.request`` closely enough for
        mwclient to use this object as its connection pool. Redirects are
        followed on the same host only; 4xx answers other than 429 are
        returned, not raised (a 404 is an answer).

        Raises:
            RetryBudgetExhausted: the per-request retries or the session's
                budget ran out, or the server asked to wait longer than
                ``backoff_max``.
            OffSiteError: a redirect pointed to another host.
            UnreachableError: the host name does not resolve, the connection
                is refused, TLS fails, or the URL is not http(s) (never retried).
            SourceError: the response exceeded ``max_response_bytes``.
        """
        kwargs.pop("allow_redirects", None)
        kwargs.pop("stream", None)
        send_headers = {"User-Agent": self.politeness.user_agent}
        send_headers.update(headers or {})
        attempt = 0
        while True:
            reason: str
            wait: float | None = None
            try:
                response = self._send_following(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=send_headers,
                    files=files,
                    timeout=timeout or self.politeness.timeout,
                    **kwargs,
                )
            except _TRANSIENT_ERRORS as exc:
                why = permanent_failure(exc)
                if why is not None:
                    raise UnreachableError(
                        f"cannot reach {urlsplit(url).netloc}: {why}", url=url
                    ) from exc
                reason = describe_failure(exc)
            else:
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=self._wall_clock()
                )
                lag = self._maxlag_of(response)
                if lag is not None:
                    self.stats.maxlag += 1
                    self.stats.last_lag = lag
                    reason = f"replication lag {lag:g} s above maxlag"
                elif response.status_code in RETRY_STATUSES:
                    if response.status_code in (429, 503):
                        self.stats.throttled += 1
                    reason = f"HTTP {response.status_code}"
                else:
                    return response
                wait = retry_after
            attempt += 1
            self.backoff(url, reason, attempt, asked=wait)

    def backoff(self, url: str, reason: str, attempt: int, *, asked: float | None = None) -> None:
        """Spend one retry of the budget on ``url`` and wait before trying it again.

        For failures only a caller can see (an API answer that is not JSON, a
        read-only wiki): the wait and the budget are the same as for an HTTP 503.

        Args:
            url: what failed (named in the message).
            reason: why, in a few words.
            attempt: 1 for the first retry of this request, 2 for the next…
            asked: the wait the server asked for, if it did.

        Raises:
            RetryBudgetExhausted: no retry is left, or the server asked too long a wait.
        """
        wait = self._next_wait(url, reason, attempt, asked)
        log.warning(
            "%s from %s; retry %d/%d in %.1f s",
            reason,
            urlsplit(url).netloc,
            attempt,
            self.politeness.max_retries,
            wait,
        )
        self._pause(wait)

    # -- internals -------------------------------------------------------

    def _next_wait(self, url: str, reason: str, attempt: int, asked: float | None) -> float:
        """Spend one retry and say how long to wait, or raise when none is left."""
        p = self.politeness
        if attempt > p.max_retries or self._budget_left <= 0:
            spent = (
                f"{attempt - 1} retries"
                if attempt > p.max_retries
                else f"the {p.retry_budget} retries allowed per run"
            )
            raise RetryBudgetExhausted(
                f"{urlsplit(url).netloc} kept failing ({reason}) after {spent}", url=url
            )
        if asked is not None and asked > p.backoff_max:
            raise RetryBudgetExhausted(
                f"{urlsplit(url).netloc} asks to wait {asked:.0f} s ({reason}), "
                f"more than the {p.backoff_max:.0f} s allowed; try again later",
                url=url,
            )
        self._budget_left -= 1
        self.stats.retries += 1
        if asked is not None:
            return asked  # the server said when; never come back sooner
        ceiling = min(p.backoff_max, p.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited += seconds
            self._sleep(seconds)

    def _wait_interval(self) -> None:
        if self._last_done is not None:
            remaining = self._last_done + self.politeness.min_interval - self._clock()
            self._pause(remaining)

    def _send_following(
        self, method: str, url: str, *, params: Any, data: Any, **kwargs: Any
    ) -> requests.Response:
        """Send, following redirects on the same host only."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, current, params=params, data=data, **kwargs)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            target = urljoin(response.url or current, location)
            if not same_site(url, target):
                raise OffSiteError(
                    f"{current} redirects to another host ({target}); not followed",
                    url=target,
                    status=response.status_code,
                )
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method.upper() == "POST"
            ):
                method, data = "GET", None
            current, params = target, None  # the Location carries the query
        raise SourceError(f"{url} redirects more than {MAX_REDIRECTS} times", url=url)

    def _send_once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self._wait_interval()
        self.stats.requests += 1
        try:
            response = self._session.request(
                method, url, allow_redirects=False, stream=True, **kwargs
            )
            try:
                self._read_capped(response)
            finally:
                response.close()
        except _BAD_URL_ERRORS as exc:
            what = "valid" if isinstance(exc, requests.exceptions.InvalidURL) else "an http(s) URL"
            raise UnreachableError(f"cannot request {url}: it is not {what}", url=url) from exc
        finally:
            self._last_done = self._clock()
        return response

    def _read_capped(self, response: requests.Response) -> None:
        cap = self.politeness.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise SourceError(
                f"{response.url} is {int(declared)} bytes, over the {cap}-byte cap",
                url=response.url,
                status=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        # Decoded chunks: the cap also stops a small gzip that inflates hugely.
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > cap:
                raise SourceError(
                    f"{response.url} is over the {cap}-byte response cap",
                    url=response.url,
                    status=response.status_code,
                )
            chunks.append(chunk)
        self.stats.bytes += size
        response._content = b"".join(chunks)

    @staticmethod
    def _maxlag_of(response: requests.Response) -> float | None:
        """The reported lag when the response is a MediaWiki maxlag refusal."""
        header = response.headers.get("X-Database-Lag")
        body = response.content[:1024] if response.content else b""
        if header is None and b'"maxlag"' not in body:
            return None
        if header is not None:
            try:
                return float(header)
            except ValueError:
                return 0.0
        try:
            error = response.json().get("error", {})
        except ValueError:
            return None
        if not isinstance(error, dict) or error.get("code") != "maxlag":
            return None
        lag = error.get("lag", 0)
        return float(lag) if isinstance(lag, int | float) else 0.0
