"""The TLD set derived from the bundled Public Suffix List, and the bare-domain TLD rules."""

from __future__ import annotations

import pytest

from hutong.core.find.tlds import ASCII_TLDS, UNICODE_TLDS, is_bare_tld, is_host_tld, is_tld


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        pytest.param("com", True, id="gtld"),
        pytest.param("CN", True, id="cctld-upper"),
        pytest.param("za", True, id="only-under-deeper-rules"),
        pytest.param("中国", True, id="idn"),
        pytest.param("xn--fiqs8s", True, id="idn-punycode"),
        pytest.param("ﻢﺻﺭ", True, id="arabic-presentation-forms"),
        pytest.param("docx", False, id="file-extension"),
        pytest.param("blogspot", False, id="private-section-is-not-a-tld"),
        pytest.param("localhost", False, id="special-use-is-not-icann"),
    ],
)
def test_is_tld(label: str, expected: bool) -> None:
    assert is_tld(label) is expected


def test_set_is_the_icann_root_zone_size() -> None:
    assert 1300 < len(ASCII_TLDS) < 1700
    assert len(UNICODE_TLDS) > 100


@pytest.mark.parametrize("label", ["localhost", "test", "invalid", "example"])
def test_special_use_names_end_a_host_after_a_scheme(label: str) -> None:
    assert is_host_tld(label)
    assert not is_bare_tld(label, qualified=True)


@pytest.mark.parametrize(
    ("label", "qualified", "expected"),
    [
        pytest.param("com", False, True, id="common"),
        pytest.param("jp", False, True, id="cctld"),
        pytest.param("рф", False, True, id="idn"),
        pytest.param("wang", False, False, id="rare-gtld-alone"),
        pytest.param("wang", True, True, id="rare-gtld-with-path"),
        pytest.param("Wang", True, False, id="capitalised-word"),
        pytest.param("py", False, False, id="file-like"),
        pytest.param("py", True, True, id="file-like-with-path"),
    ],
)
def test_bare_tld_rules(label: str, qualified: bool, expected: bool) -> None:
    assert is_bare_tld(label, qualified=qualified) is expected
