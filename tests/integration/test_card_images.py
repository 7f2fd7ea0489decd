"""Card images leave the pipeline as signed hutong paths that the web app's ``/img/`` proxy accepts.

The engine and the web app sign with the same key in ``data.dir``; a path the proxy cannot
verify would show every card without its picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hutong.config import Config
from hutong.edge import image_signer
from hutong.preview.images import IMAGE_PATH
from tests.support.localnet import LocalNet, html

from .conftest import analyse_online, config_for

PAGE_URL = "https://item.jd.com/100012043978.html"


@pytest.mark.parametrize(
    ("name", "image", "origin"),
    [
        ("absolute", "https://img14.360buyimg.com/n1/a.jpg", "https://img14.360buyimg.com/n1/a.jpg"),
        ("protocol_relative", "//img14.360buyimg.com/n1/b.jpg", "https://img14.360buyimg.com/n1/b.jpg"),
        ("path_relative", "/static/c.png", "https://item.jd.com/static/c.png"),
    ],
)
async def test_card_image_is_a_signed_path_the_web_proxy_verifies(
    name: str, image: str, origin: str, localnet: LocalNet, tmp_path: Path
) -> None:
    localnet.route("item.jd.com", html(f'<title>{name}</title><meta property="og:image" content="{image}">'))
    (report,) = await analyse_online(localnet, tmp_path, PAGE_URL, preview=True)
    assert report.card is not None and report.card.image is not None
    assert report.card.image.startswith(IMAGE_PATH) and "360buyimg" not in report.card.image
    web_config: Config = config_for(localnet, tmp_path)
    signer = image_signer(web_config)
    assert signer.verify(report.card.image.removeprefix(IMAGE_PATH)) == origin
