"""Which texts of a Matrix event are checked: body, the HTML's text and hrefs, an edit's new content."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.matrix.content import MAX_PARTS, message_parts
from tests.conftest import ROOT

HTML = "org.matrix.custom.html"


class Frozen(dict[str, Any]):
    """Synapse hands content over as an immutable mapping, not a dict."""

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError("immutable")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param({"msgtype": "m.text", "body": "see https://a.example/"}, [("body", "see https://a.example/")],
                     id="plain body"),
        pytest.param({"msgtype": "m.text", "body": "click", "format": HTML,
                      "formatted_body": '<a href="https://a.example/?x=1&amp;y=&lt;2&gt;">click</a>'},
                     [("body", "click"), ("href", "https://a.example/?x=1&y=<2>")], id="href with entities"),
        pytest.param({"msgtype": "m.text", "body": "a", "format": HTML,
                      "formatted_body": "<p>see</p><p>https://a.example/x</p>"},
                     [("body", "a"), ("html", "\nsee\n\nhttps://a.example/x\n")], id="blocks keep links apart"),
        pytest.param({"msgtype": "m.text", "body": "x", "format": "something/else",
                      "formatted_body": '<a href="https://a.example/">x</a>'}, [("body", "x")],
                     id="other formats are not HTML"),
        pytest.param({"msgtype": "m.text", "body": "* fixed",
                      "m.new_content": {"msgtype": "m.text", "body": "fixed https://b.example/"},
                      "m.relates_to": {"rel_type": "m.replace", "event_id": "$e"}},
                     [("body", "* fixed"), ("m.new_content.body", "fixed https://b.example/")], id="an edit"),
        pytest.param({"msgtype": "m.image", "body": "caption https://c.example/", "filename": "a.png",
                      "url": "mxc://s/m"}, [("body", "caption https://c.example/")], id="a media caption"),
        pytest.param({"msgtype": "m.text", "body": "same", "format": HTML, "formatted_body": "same"},
                     [("body", "same")], id="the HTML text equal to the body is sent once"),
        pytest.param({"msgtype": "m.text", "body": "  "}, [], id="nothing to check"),
        pytest.param({"msgtype": "m.text", "body": 7, "formatted_body": None, "format": HTML}, [],
                     id="wrong types are skipped"),
        pytest.param({}, [], id="a redacted event has no content"),
    ],
)
def test_message_parts(content: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert [(p.source, p.text) for p in message_parts(Frozen(content))] == expected


def test_a_flood_of_hrefs_is_cut() -> None:
    html = "".join(f'<a href="https://a{i}.example/">x</a>' for i in range(3 * MAX_PARTS))
    parts = message_parts({"body": "x", "format": HTML, "formatted_body": html})
    assert len(parts) == MAX_PARTS


@given(st.text(max_size=200))
def test_any_html_is_read_without_error(html: str) -> None:
    for part in message_parts({"body": "b", "format": HTML, "formatted_body": html}):
        assert part.text.strip()


def test_the_synapse_module_carries_the_same_content_module() -> None:
    ours = (ROOT / "src" / "hutong" / "matrix" / "content.py").read_text(encoding="utf-8")
    theirs = (ROOT / "integrations" / "synapse" / "hutong_synapse" / "content.py").read_text(encoding="utf-8")
    assert theirs == ours, "copy src/hutong/matrix/content.py to integrations/synapse/hutong_synapse/content.py"
