"""Structured-data value readers: durations, dates, names, URLs."""

from __future__ import annotations

from typing import Any

import pytest

from hutong.preview import values

BASE = "https://v.example.com/watch/1"


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("PT1H2M3S", 3723),
        ("PT15M", 900),
        ("PT45S", 45),
        ("P1DT1H", 90000),
        ("pt2m", 120),
        ("PT1.5S", 2),
        (125, 125),
        ("125", 125),
        ("PT", None),
        ("P", None),
        ("1 hour", None),
        (-5, None),
        (True, None),
        (None, None),
        (["PT1M", "PT2M"], 60),
        ("P99999999D", None),
    ],
)
def test_duration_seconds(raw: Any, seconds: int | None) -> None:
    assert values.duration_seconds(raw) == seconds


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-05-01T08:00:00+08:00", "2024-05-01T00:00:00Z"),
        ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00Z"),
        ("2024-05-01 08:00:00", "2024-05-01T08:00:00Z"),
        ("2024-05-01", "2024-05-01"),
        ("Tue, 24 May 2016 20:52:12 GMT", "2016-05-24T20:52:12Z"),
        ("yesterday", None),
        ("0001-01-01T00:00:00Z", None),
        ({"@value": "2020-01-02T03:04:05Z"}, "2020-01-02T03:04:05Z"),
    ],
)
def test_iso_date(raw: Any, iso: str | None) -> None:
    assert values.iso_date(raw) == iso


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"@type": "Person", "name": "A"}, "A"),
        ([{"name": "A"}, {"name": "B"}, {"name": "A"}], "A, B"),
        ("Plain", "Plain"),
        ([], None),
        (42, "42"),
    ],
)
def test_names(raw: Any, expected: str | None) -> None:
    assert values.names(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/t.jpg", "https://v.example.com/t.jpg"),
        ({"@type": "ImageObject", "url": "https://i.example/a.jpg"}, "https://i.example/a.jpg"),
        (["//i.example/b.jpg", "/c.jpg"], "https://i.example/b.jpg"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAA", None),
        ({"contentUrl": "ftp://x/y"}, None),
    ],
)
def test_url(raw: Any, expected: str | None) -> None:
    assert values.url(raw, BASE) == expected
