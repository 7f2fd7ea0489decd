"""Conditional requests through the guarded fetcher: validators sent back, 304 answered as "not modified"."""

from __future__ import annotations

import pytest

from hutong.errors import RemoteError
from hutong.net.fetcher import GuardedFetcher
from hutong.net.types import FetchResult, Validators
from tests.support.feedserver import FeedOrigin
from tests.support.localnet import LocalNet, Reply, redirect

URL = "https://feeds.example.test/feed.txt"
BODY = b"https://phish.evil.test/login\n"
DATE = "Thu, 01 Jan 2026 00:00:00 GMT"


@pytest.mark.parametrize(
    ("name", "validators", "sent", "status"),
    [
        ("ETag only", Validators(etag="<etag>"), {"if-none-match": "<etag>"}, 304),
        ("weak ETag", Validators(etag="W/<etag>"), {"if-none-match": "W/<etag>"}, 304),
        ("Last-Modified only", Validators(last_modified="<date>"), {"if-modified-since": "<date>"}, 304),
        (
            "both: the server judges by the ETag",
            Validators(etag='"stale"', last_modified="<date>"),
            {"if-none-match": '"stale"', "if-modified-since": "<date>"},
            200,
        ),
        ("an ETag of another version", Validators(etag='"other"'), {"if-none-match": '"other"'}, 200),
        ("none held: unconditional", None, {}, 200),
        ("empty validators: unconditional", Validators(), {}, 200),
        ("a validator with a line break is not sent", Validators(etag='"a"\r\nX-Evil: 1'), {}, 200),
    ],
)
async def test_validators_are_sent_back(
    name: str, validators: Validators | None, sent: dict[str, str], status: int, localnet: LocalNet
) -> None:
    origin = FeedOrigin()
    origin.publish(BODY)
    localnet.route("feeds.example.test", origin)
    first = await _fetch(localnet, URL)
    held = Validators.of(first)
    assert held.etag == origin.current_etag() and held.last_modified, name

    def fill(value: str) -> str:
        return value.replace("<etag>", held.etag).replace("<date>", held.last_modified)

    if validators is not None:
        validators = Validators(fill(validators.etag), fill(validators.last_modified))
    result = await _fetch(localnet, URL, validators)
    request = localnet.requests[-1]
    got = {k: request.header(k) for k in ("if-none-match", "if-modified-since") if request.header(k) is not None}
    assert got == {k: fill(v) for k, v in sent.items()}, name
    assert (result.status, result.not_modified, bool(result.body)) == (status, status == 304, status == 200), name


async def test_a_304_nobody_asked_for_is_an_error(localnet: LocalNet) -> None:
    localnet.route("feeds.example.test", Reply(status=304, headers=(("ETag", '"x"'),)))
    with pytest.raises(RemoteError, match="HTTP 304"):
        await _fetch(localnet, URL)


async def test_validators_follow_a_redirect_to_the_feed(localnet: LocalNet) -> None:
    origin = FeedOrigin()
    origin.publish(BODY)
    localnet.route("feeds.example.test", redirect("https://cdn.example.test/feed.txt"), path="/feed.txt")
    localnet.route("cdn.example.test", origin)
    held = Validators.of(await _fetch(localnet, URL))
    result = await _fetch(localnet, URL, held)
    assert result.not_modified and result.url == "https://cdn.example.test/feed.txt"
    assert [h.status for h in result.hops] == [302, 304]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("ETag", '"a1"'), ("Last-Modified", DATE)), ('"a1"', DATE)),
        ((("etag", 'W/"a1"'),), ('W/"a1"', "")),
        ((), ("", "")),
        ((("ETag", "x" * 2000),), ("", "")),  # unreasonably long: not kept
        ((("ETag", '"\x01"'),), ("", "")),  # a control character: not kept
    ],
    ids=["both", "weak, lower-case header", "none", "too long", "control character"],
)
def test_validators_of_a_response(headers: tuple[tuple[str, str], ...], expected: tuple[str, str]) -> None:
    got = Validators.of(FetchResult(url=URL, status=200, content_type="text/plain", body=b"", headers=headers))
    assert (got.etag, got.last_modified) == expected
    assert bool(got) == any(expected)


async def _fetch(localnet: LocalNet, url: str, validators: Validators | None = None) -> FetchResult:
    async with GuardedFetcher(localnet.settings("feeds.example.test", "cdn.example.test")) as f:
        return await f.fetch(url, purpose="feed", validators=validators)
