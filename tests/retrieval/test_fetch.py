"""Safe fetching against a local server: the allow-list after DNS and on every redirect, limits on
size, time and redirects, retries, content types, conditional requests."""

import time

import pytest

from config.allow_list import AllowList
from config.settings import Settings, SettingsError, load_settings
from retrieval.fetch import Fetcher, FetchError, FetchPolicy, GuardedResolver, RefusedAddress
from tests.web_server import LocalSite, sample_story

LOCAL = AllowList.parse("127.0.0.1")


@pytest.fixture
async def site():
    server = LocalSite()
    await server.start()
    server.add_story(sample_story(1))
    yield server
    await server.stop()


def policy(**changes) -> FetchPolicy:
    return FetchPolicy(**{"allow": LOCAL, "timeout": 3.0, "backoff": 0.01, **changes})


async def fetch(url, kind="page", **changes):
    async with Fetcher(policy(**changes)) as fetcher:
        return await fetcher.get(url, kind)


async def test_a_page_is_fetched_with_an_honest_user_agent(site):
    page = await fetch(f"{site.base}/news/story-1")
    assert page.status == 200 and page.content_type == "text/html" and b"Lindholm" in page.body
    assert page.final_url == f"{site.base}/news/story-1"
    assert FetchPolicy().user_agent.startswith("newsbot/")


async def test_loopback_is_refused_unless_allowed_and_nothing_is_requested(site):
    with pytest.raises(FetchError, match="127.0.0.1 is a loopback address.*NEWSBOT_FETCH_ALLOW"):
        await fetch(f"{site.base}/news/story-1", allow=AllowList())
    assert site.requests == []


async def test_names_are_checked_after_dns_resolution(site):
    port = site.base.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match="localhost resolves to a loopback address") as refused:
        await fetch(f"http://localhost:{port}/news/story-1", allow=AllowList())
    assert "127.0.0.1" not in str(refused.value)  # a refusal never tells what a name resolves to
    page = await fetch(f"http://localhost:{port}/news/story-1")  # resolves to the allowed 127.0.0.1
    assert page.status == 200


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/",
                                    "http://127.0.0.2:9/", "http://[::1]:9/", "http://0.0.0.0:9/"])
async def test_redirects_to_private_addresses_are_refused(site, target):
    with pytest.raises(FetchError, match="refused"):
        await fetch(f"{site.base}/redirect?to={target}")
    assert len(site.requests) == 1  # the redirect only: the private address is never asked


async def test_redirects_are_followed_and_limited(site):
    page = await fetch(f"{site.base}/redirect?to=/news/story-1")
    assert page.final_url == f"{site.base}/news/story-1"
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch(f"{site.base}/loop")
    assert len(site.requests) == 2 + 6  # the first two, then the loop's first try and five redirects


@pytest.mark.parametrize("link", ["ftp://example.com/a", "file:///etc/passwd", "javascript:alert(1)", "http://"])
async def test_only_http_and_https(link):
    with pytest.raises(FetchError, match="only http and https|not a valid link"):
        await fetch(link)


async def test_a_gzip_bomb_stops_at_the_size_limit(site):
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 1,000,000 bytes"):
        await fetch(f"{site.base}/bomb.html", max_bytes=1_000_000)
    assert time.monotonic() - started < 3


async def test_a_slow_drip_is_cut_off_by_the_timeout(site):
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        await fetch(f"{site.base}/drip.html", timeout=1.0)
    assert time.monotonic() - started < 2


async def test_errors_and_retries(site):
    with pytest.raises(FetchError, match="HTTP 404") as missing:
        await fetch(f"{site.base}/status/404")
    assert not missing.value.transient and site.requests.count("/status/404") == 1
    with pytest.raises(FetchError, match="HTTP 429") as limited:
        await fetch(f"{site.base}/status/429")
    assert limited.value.transient and site.requests.count("/status/429") == 3  # two retries
    with pytest.raises(FetchError, match="HTTP 500"):
        await fetch(f"{site.base}/status/500", retries=0)
    site.flaky["/flaky.html"] = 1
    assert (await fetch(f"{site.base}/flaky.html")).status == 200
    assert site.requests.count("/flaky.html") == 2


async def test_content_types_must_fit(site):
    with pytest.raises(FetchError, match=r"not a web page \(content type image/png\)"):
        await fetch(f"{site.base}/image.png")
    with pytest.raises(FetchError, match=r"not a feed \(content type text/html\)"):
        await fetch(f"{site.base}/news/story-1", "feed")


async def test_a_conditional_request_gets_not_modified(site):
    site.add_feed("harbour", "Harbour news", ["story-1"])
    async with Fetcher(policy()) as fetcher:
        first = await fetcher.get(f"{site.base}/feeds/harbour.xml", "feed")
        again = await fetcher.get(f"{site.base}/feeds/harbour.xml", "feed", etag=first.etag)
    assert first.etag and again.not_modified and again.body == b""


async def test_the_connections_own_resolver_refuses_what_the_check_refuses():
    with pytest.raises(RefusedAddress):
        await GuardedResolver(AllowList()).resolve("localhost", 80)
    assert await GuardedResolver(AllowList.parse("localhost")).resolve("localhost", 80)


def test_allow_list_entries_and_bad_ones():
    allow = AllowList.parse("127.0.0.1, intranet.example 10.0.0.0/8 ::1")
    assert allow.why_refused("10.4.5.6") is None and allow.why_refused("::1") is None
    assert allow.allows_host("Intranet.Example.") and not allow.allows_host("example.com")
    assert "private" in AllowList().why_refused("192.168.1.1")
    assert "link-local" in AllowList().why_refused("169.254.169.254")
    assert "loopback" in AllowList().why_refused("::ffff:127.0.0.1")
    assert AllowList().why_refused("93.184.216.34") is None
    with pytest.raises(ValueError, match="neither a host name"):
        AllowList.parse("http://bad/")


@pytest.mark.parametrize(("address", "why"), [
    ("fec0::1", "site-local"), ("64:ff9b::7f00:1", "loopback"), ("2002:a00:1::1", "private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"), ("::ffff:10.0.0.1", "private"), ("100.64.0.1", "not a public")])
def test_every_non_global_address_is_refused_ipv6_and_embedded_ipv4_included(address, why):
    assert why in AllowList().why_refused(address)
    assert AllowList.parse(address).why_refused(address) is None  # unless allowed


def test_global_addresses_may_be_fetched():
    for address in ("93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822"):
        assert AllowList().why_refused(address) is None


def test_the_setting_is_checked_at_start_up(monkeypatch):
    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW", "127.0.0.1,not a/host")
    with pytest.raises(SettingsError, match="NEWSBOT_FETCH_ALLOW"):
        load_settings()
    assert FetchPolicy.from_settings(Settings(fetch_allow="127.0.0.1")).allow.why_refused("127.0.0.1") is None


async def test_an_allowed_host_redirecting_to_loopback_is_refused(site):
    port = site.base.rsplit(":", 1)[1]
    only_the_name = AllowList.parse("localhost")
    assert (await fetch(f"http://localhost:{port}/news/story-1", allow=only_the_name)).status == 200
    with pytest.raises(FetchError, match="127.0.0.1 is a loopback address"):
        await fetch(f"http://localhost:{port}/redirect?to={site.base}/news/story-1", allow=only_the_name)
    assert site.requests[-1].startswith("/redirect")
