"""``/v1/check`` says when a message held more links than are checked (``truncated``), as the CLI does."""

from __future__ import annotations

import httpx
import pytest


def flood(n: int) -> str:
    return " ".join(f"h{i}.cn" for i in range(n))


@pytest.mark.parametrize(("links", "truncated"), [(0, False), (3, False), (1000, False), (1001, True)])
async def test_check_says_whether_links_were_left_out(client: httpx.AsyncClient, links: int, truncated: bool) -> None:
    r = await client.post("/v1/check", json={"text": flood(links)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (len(body["links"]), body["truncated"]) == (min(links, 1000), truncated)


async def test_each_batch_result_says_it_for_its_own_message(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/check/batch", json={"messages": [{"text": flood(1001)}, {"text": flood(2)}]})
    assert r.status_code == 200, r.text
    assert [res["truncated"] for res in r.json()["results"]] == [True, False]


async def test_the_schema_documents_truncated(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["CheckResponse"]
    assert "truncated" in schema["required"] and "1,000" in schema["properties"]["truncated"]["description"]
