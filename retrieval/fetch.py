"""Fetching pages and feeds from the web, safely.

Only http and https. Every host is resolved before a request, and again by the connection
itself (a resolver that refuses what the check refuses, so a name cannot resolve to a public
address for the check and a private one for the connection); redirects are followed by hand,
at most :attr:`FetchPolicy.max_redirects`, each hop checked the same way. Private, loopback,
link-local (cloud metadata), multicast and reserved addresses are refused unless the
allow-list (``NEWSBOT_FETCH_ALLOW``: host names or CIDRs) names them. Bodies are read as a
stream and cut at :attr:`FetchPolicy.max_bytes` after decompression (a gzip bomb stops there),
the whole exchange is bounded by a timeout (a slow drip stops there), 429 and 5xx are retried
with backoff (``Retry-After`` honoured up to a cap), and the content type must fit what was
asked for. Every failure is a :class:`FetchError` with a sentence a person can act on.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from config.allow_list import AllowList
from retrieval.errors import NewsbotError

logger = logging.getLogger(__name__)

USER_AGENT = "newsbot/0.1 (news question-answering bot; reads pages and feeds it was asked to follow)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/x-rss+xml", "text/plain")
RETRIED = {429, 500, 502, 503, 504}
Kind = Literal["page", "feed"]


class FetchError(NewsbotError):
    """A page or feed could not be fetched; ``transient`` errors may succeed later."""

    def __init__(self, url: str, reason: str, *, transient: bool = False, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


class RefusedAddress(OSError):
    """The connection's resolver found only addresses that may not be fetched."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """The limits of one fetcher."""

    allow: AllowList = field(default_factory=AllowList)
    timeout: float = 20.0  # seconds for a whole exchange, redirects included
    max_bytes: int = 5_000_000  # after decompression
    max_redirects: int = 5
    retries: int = 2  # after the first try, on 429 and 5xx
    backoff: float = 1.0  # seconds before the first retry, doubled each time (with jitter)
    max_retry_after: float = 30.0
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings) -> FetchPolicy:
        """The operator's limits (``NEWSBOT_FETCH_*``)."""
        return cls(allow=AllowList.parse(settings.fetch_allow), timeout=settings.fetch_timeout,
                   max_bytes=settings.fetch_max_bytes)


@dataclass(slots=True)
class Fetched:
    """A response worth reading: 200 with a body, or 304 Not Modified."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        """True for a 304 to a conditional request."""
        return self.status == 304


class GuardedResolver(AbstractResolver):
    """The connection's own DNS lookups, refusing the addresses the allow-list does not allow."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self.allow.allows_host(host):
            return found
        kept = [item for item in found if self.allow.why_refused(item["host"]) is None]
        if not kept:
            raise RefusedAddress(f"{host} resolves only to addresses that may not be fetched")
        return kept

    async def close(self) -> None:
        await self._inner.close()


class Fetcher:
    """An HTTP client for pages and feeds under a :class:`FetchPolicy` (``async with``)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(self.policy.allow), limit=16,
                                         limit_per_host=4, ttl_dns_cache=60)
        self._session = aiohttp.ClientSession(
            connector=connector, headers={"User-Agent": self.policy.user_agent},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=min(10.0, self.policy.timeout)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, kind: Kind = "page", *, etag: str = "", last_modified: str = "") -> Fetched:
        """Fetch ``url``, retrying what may pass later.

        Args:
            url: an http or https link.
            kind: "page" (HTML or text) or "feed" (RSS/Atom), for the content types accepted.
            etag: the ETag of the copy we hold (a conditional request).
            last_modified: its Last-Modified.

        Raises:
            FetchError: it cannot be fetched; the message says why.
        """
        attempt = 0
        while True:
            try:
                return await asyncio.wait_for(self._once(url, kind, etag, last_modified), self.policy.timeout)
            except TimeoutError:
                raise FetchError(url, f"no complete answer within {self.policy.timeout:g} s") from None
            except FetchError as exc:
                if not exc.transient or attempt >= self.policy.retries:
                    raise
                attempt += 1
                await asyncio.sleep(self._delay(attempt, exc.retry_after))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before retry ``attempt``: the server's Retry-After (capped), else backoff with jitter."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.policy.max_retry_after)
        return self.policy.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)

    async def _once(self, url: str, kind: Kind, etag: str, last_modified: str) -> Fetched:
        """One try: the redirect chain followed hop by hop, each hop checked."""
        assert self._session is not None, "use the fetcher inside 'async with'"
        headers = {"Accept": ", ".join((*(PAGE_TYPES if kind == "page" else FEED_TYPES), "*/*;q=0.1"))}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current: str | URL = url
        for _ in range(self.policy.max_redirects + 1):
            target = await self._checked(url, current)
            try:
                async with self._session.get(target, headers=headers, allow_redirects=False,
                                             max_line_size=16384, max_field_size=16384) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        current = self._redirect(url, target, response)
                        continue
                    return await self._read(url, str(target), kind, response)
            except aiohttp.ClientConnectorError as exc:
                refused = isinstance(exc.os_error, RefusedAddress)
                raise FetchError(url, f"{'refused' if refused else 'cannot connect to'} {target.host}:"
                                 f" {exc.os_error or exc}", transient=not refused) from None
            except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                raise FetchError(url, f"the connection broke: {exc}", transient=True) from None
            except aiohttp.ClientResponseError as exc:
                raise FetchError(url, f"bad HTTP answer: {exc.message}") from None
        raise FetchError(url, f"too many redirects (more than {self.policy.max_redirects})")

    async def _checked(self, url: str, link: str | URL) -> URL:
        """The link as a URL that may be fetched: http(s), and every address of its host allowed."""
        try:
            target = URL(str(link))
        except ValueError:
            raise FetchError(url, f"not a valid link: {link}") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise FetchError(url, f"only http and https links can be fetched, not {str(link)[:80]!r}")
        if self.policy.allow.allows_host(target.host):
            return target
        try:
            addresses = [target.host] if _is_ip(target.host) else await _resolve(target.host, target.port)
        except OSError as exc:
            raise FetchError(url, f"cannot resolve {target.host}: {exc}", transient=True) from None
        for address in addresses:
            if (why := self.policy.allow.why_refused(address)) is not None:
                what = "is" if _is_ip(target.host) else "resolves to"
                raise FetchError(url, f"refused: {target.host} {what} {why} (allow it with NEWSBOT_FETCH_ALLOW)")
        return target

    def _redirect(self, url: str, current: URL, response: aiohttp.ClientResponse) -> URL:
        location = response.headers.get("Location")
        if not location:
            raise FetchError(url, f"redirect ({response.status}) without a Location")
        return current.join(URL(location))

    async def _read(self, url: str, final: str, kind: Kind, response: aiohttp.ClientResponse) -> Fetched:
        """Check the status and type, then read the body up to the size limit."""
        if response.status == 304:
            return Fetched(url, final, 304, "", b"", response.headers.get("ETag", ""),
                           response.headers.get("Last-Modified", ""))
        if response.status != 200:
            raise FetchError(url, f"the server answered HTTP {response.status}", transient=response.status in RETRIED,
                             status=response.status, retry_after=_retry_after(response.headers.get("Retry-After")))
        content_type = response.content_type.lower()
        if content_type not in (PAGE_TYPES if kind == "page" else FEED_TYPES):
            what = "web page" if kind == "page" else "feed"
            raise FetchError(url, f"not a {what} (content type {content_type or 'none'})")
        if (length := response.content_length) is not None and length > self.policy.max_bytes:
            raise FetchError(url, f"larger than {self.policy.max_bytes:,} bytes ({length:,})")
        body = bytearray()
        async for chunk in response.content.iter_chunked(65536):
            body += chunk
            if len(body) > self.policy.max_bytes:
                raise FetchError(url, f"larger than {self.policy.max_bytes:,} bytes (after decompression)")
        return Fetched(url, final, 200, content_type, bytes(body), response.headers.get("ETag", ""),
                       response.headers.get("Last-Modified", ""))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


async def _resolve(host: str, port: int | None) -> list[str]:
    """Every address a host name resolves to."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the date form is ignored)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
