"""Why a card could not be built: a fetch failure's code turned into a ``CardError`` a user can read. Pure.

The code is kept as the fetcher raised it (``remote.*`` of ``hutong.errors``), so a caller can act
on it; the sentence says in plain words what happened, in English and Chinese, and the English one
ends with the fetcher's own message (which names the host, the address or the limit).
"""

from __future__ import annotations

from ..core.model import CardError
from ..errors import HutongError

NO_DESTINATION = "resolve.no_destination"

# code → (English, Chinese): what the user learns about the link, not how hutong works inside
SENTENCES: dict[str, tuple[str, str]] = {
    "remote.blocked_address": (
        "Not previewed: the site's address is on a private, local or reserved network",
        "未预览：该网站的地址属于内网、本机或保留地址",
    ),
    "remote.blocked_url": (
        "Not previewed: the address uses a scheme, port or user name that is not fetched",
        "未预览：该网址使用了不予访问的协议、端口或用户名",
    ),
    "remote.timeout": ("No preview: the site did not answer in time", "无预览：网站未能及时响应"),
    "remote.too_large": ("No preview: the site's answer is too large", "无预览：网站返回的内容过大"),
    "remote.too_many_redirects": (
        "No preview: the address redirects too many times, or in a loop",
        "无预览：该网址重定向次数过多或形成循环",
    ),
    "remote.bad_content": (
        "No preview: the address is not a web page that can be read",
        "无预览：该网址不是可读取的网页",
    ),
    "remote.network": (
        "No preview: the site could not be reached (name lookup or connection failed)",
        "无预览：无法连接到该网站（域名解析或连接失败）",
    ),
    "remote.too_slow": (
        "No preview: the page took too long to read (it may be built to stall readers)",
        "无预览：读取该网页耗时过长（可能是故意拖慢读取的网页）",
    ),
    "remote.no_such_name": (
        "No preview: no site has this name (check the link for a typo)",
        "无预览：不存在使用此名称的网站（请检查链接是否有误）",
    ),
    "remote.network_down": (
        "No preview: this server cannot reach the network right now (not a problem with the link)",
        "无预览：本服务器目前无法连接网络（并非链接本身的问题）",
    ),
    "remote.tls": (
        "No preview: the site's secure connection (TLS certificate) could not be verified",
        "无预览：无法验证该网站的安全连接（TLS 证书）",
    ),
    "remote.http_status": ("No preview: the site answered with an error", "无预览：网站返回了错误状态"),
    "remote.rate_limited": (
        "No preview right now: too many requests to this site in the last minute",
        "暂无预览：一分钟内对该网站的请求过多",
    ),
    NO_DESTINATION: (
        "No preview: the short link leads nowhere that can be followed (expired, or not a redirect)",
        "无预览：该短链接无法展开到目标（已失效或并非跳转）",
    ),
}
FALLBACK = ("No preview: the page could not be fetched", "无预览：无法获取页面")


def explain(code: str | None, message: str = "") -> CardError:
    """The card error for a failure ``code`` (``remote.timeout`` ...) with the fetcher's ``message``."""
    code = code or "remote.error"
    en, zh = SENTENCES.get(code, FALLBACK)
    detail = f"{en}: {message[:300]}" if message else en
    return CardError(code=code, detail=detail, detail_zh=zh)


def explain_error(exc: HutongError) -> CardError:
    """The card error for a raised ``HutongError`` (its ``code`` and ``message``)."""
    return explain(exc.code, exc.message)
