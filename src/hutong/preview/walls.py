"""Does a fetched page stand in front of its content? The page rule for login and app walls. Pure.

One rule for every site, listed or not, decided on the page alone (a platform's listed login and
download pages are matched on the landing URL by ``hutong.core.reach``):

- **login wall**: the page has a password field (``<input type=password>``, or ``autocomplete`` of
  ``current-password`` or ``one-time-code``, an SMS-code login), and outside its forms, headers, footers and
  navigation it has at most ``MAX_OTHER_TEXT`` visible characters: the form is all there is to read.
- **app wall**: the page has at least one call to get or open the app (a link to an app store or an app
  scheme, an ``.apk`` download, a script that sends the page to an app scheme, or a link or button whose
  whole text is such a call: "打开App", "在App中查看", "下载客户端", "Open in app", "Get the app" ...), and once
  the calls are taken out at most ``MAX_OTHER_TEXT`` visible characters remain.

A page with a paragraph of its own is content, whatever banner it carries. Characters are counted
without white space, so a short Chinese note and a short English one weigh about the same words.

Fetched HTML is hostile input: one parse (nesting bounded as ``hutong.net.bodyredirect`` does); a page
with more visible text than a wall carries (most pages) is answered right after it, and a short one with
one pass over a bounded number of elements and one linear scan of its first ``MAX_SCRIPT_SCAN`` characters.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..core.reach import APP_STORE_PREFIXES, APP_STORE_SCHEMES, WEB_SCHEMES, PageWall
from .extract import PageMeta, extract
from .scan import any_case, depth_bounded

MAX_OTHER_TEXT = 200  # visible characters (no white space) beside the form or the calls
MAX_CALL_TEXT = 40  # a call is a short element: a button, not a paragraph that mentions the app
MAX_ELEMENTS = 2000  # links, buttons and inputs looked at
MAX_WALL_TEXT = 2000  # visible characters a login form or the calls may carry themselves
PROBE_CHARS = 48 * 1024  # a longer page's body is first read this far: content shows itself early
MAX_SCRIPT_SCAN = 512 * 1024  # characters of a page searched for a script's hand-over to an app scheme

_PASSWORD_AUTOCOMPLETE = ("current-password", "one-time-code")
# Chinese calls: (立即|去)(打开|下载|安装|前往)…App/客户端(查看…), or 在…App(内|中)(打开|查看…)
_CALL_ZH = re.compile(
    r"^(?:立即|马上|现在|去|请|点击)?(?:打开|下载|安装|前往|使用|启动)\S{0,8}?(?:app|客户端|应用)"
    r"(?:查看|打开|观看|阅读|浏览|继续)?\S{0,6}$"
    r"|^(?:请)?(?:在|去|到|用)\S{0,8}?(?:app|客户端|应用)(?:内|中|里)?(?:打开|查看|观看|阅读|浏览|继续)\S{0,6}$",
    re.IGNORECASE,
)
_CALL_EN = re.compile(
    r"^(?:open|view|continue|watch|read|see|keep reading)\b.{0,24}\b(?:in|on|with) (?:the |our )?\S{0,16} ?app\W*$"
    r"|^(?:get|download|install|open|use|try)\b.{0,24}\bapp\W*$",
    re.IGNORECASE,
)
# location.href = "taobao://…", location.replace('snssdk1128://…'): a page that hands itself to an app
_SCHEME_JUMP = re.compile(  # "location" first: a literal prefix the regex engine searches for fast
    r"""location\s*(?:(?:\.\s*href\s*)?=|\.\s*(?:replace|assign)\s*\()\s*["']([a-zA-Z][a-zA-Z0-9+.\-]{1,30}):"""
)
_BODY_OPEN = re.compile("<" + any_case("body") + r"[\s>/]")
_HIDDEN_OPEN = re.compile("<(" + any_case("script") + "|" + any_case("style") + r")[\s>/]")
_SCRIPT_CLOSE = re.compile("</" + any_case("script") + r"\s*>")
_STYLE_CLOSE = re.compile("</" + any_case("style") + r"\s*>")
_STORE_HOST_PREFIXES = tuple(p.split("/", 1)[0] for p in APP_STORE_PREFIXES)
_AROUND = "header, footer, nav"


def read_page(text: str, base: str) -> tuple[PageMeta, PageWall | None]:
    """What a worker reads from a fetched page in one job (one copy of the page each way): its metadata for
    the card (``hutong.preview.extract``), and the wall it shows instead of content, if it is one."""
    return extract(text, base), page_wall(text)


def page_wall(text: str) -> PageWall | None:
    """The wall ``text`` (a fetched HTML page) shows instead of content, if it is one."""
    if len(text) > PROBE_CHARS and _has_much_text(text):
        return None
    _tree, body = _body(text)  # the tree outlives the look at its nodes
    if body is None or _visible(body) > MAX_OTHER_TEXT + MAX_WALL_TEXT:
        return None
    if _has_password(body):
        for node in body.css("form"):
            node.decompose()
        other = _visible(body)
        if other <= MAX_OTHER_TEXT:
            return PageWall("login", f"a password field, and {other} characters of text beside its form")
        return None
    calls = _calls(body)
    jump = _script_jump(text)
    if jump is not None:
        calls.insert(0, f"a script that opens {jump}://")
    if not calls:
        return None
    other = _visible(body)
    if other > MAX_OTHER_TEXT:
        return None
    shown = "; ".join(calls[:3])
    return PageWall("app", f"{shown}, and {other} characters of text beside")


def _body(text: str) -> tuple[LexborHTMLParser, LexborNode | None]:
    """``text`` parsed, its body without scripts, styles, headers, footers and navigation."""
    tree = LexborHTMLParser(depth_bounded(text)[0])
    for node in tree.css(f"script, style, noscript, template, svg, {_AROUND}"):
        node.decompose()
    return tree, tree.body


def _has_much_text(text: str) -> bool:
    """Whether the first ``PROBE_CHARS`` of the page's body already show more text than any wall carries.

    Most pages are content, and a long one (scripts, markup) costs a parse in full; the start of its body
    says so for a fraction. A cut page shows no more text than the whole (a tag cut in two hides the rest),
    so a page the probe cannot rule out is parsed whole.
    """
    start = _BODY_OPEN.search(text)
    _, body = _body(_markup(text, start.start() if start is not None else 0, PROBE_CHARS))
    return body is not None and _visible(body) > MAX_OTHER_TEXT + MAX_WALL_TEXT


def _markup(text: str, start: int, limit: int) -> str:
    """Up to ``limit`` characters of ``text`` from ``start``, leaving out what scripts and styles hold (pages
    open their body with hundreds of kilobytes of them); one pass with a moving start."""
    out: list[str] = []
    size, pos = 0, start
    while size < limit:
        m = _HIDDEN_OPEN.search(text, pos)
        end = m.start() if m is not None else len(text)
        piece = text[pos : min(end, pos + limit - size)]
        out.append(piece)
        size += len(piece)
        if m is None or size >= limit:
            break
        close = (_SCRIPT_CLOSE if m.group(1).lower() == "script" else _STYLE_CLOSE).search(text, m.end())
        if close is None:
            break
        pos = close.end()
    return "".join(out)


def _visible(node: LexborNode) -> int:
    text = node.text(separator=" ", strip=True)
    return len("".join(text.split()))


def _has_password(body: LexborNode) -> bool:
    for i, node in enumerate(body.css("input")):
        if i >= MAX_ELEMENTS:
            break
        attrs = node.attributes
        if (attrs.get("type") or "").strip().lower() == "password":
            return True
        if (attrs.get("autocomplete") or "").strip().lower() in _PASSWORD_AUTOCOMPLETE:
            return True
    return False


def _calls(body: LexborNode) -> list[str]:
    """What in ``body`` asks the visitor to get or open the app; each such element is taken out of the tree."""
    found: list[str] = []
    doomed: list[LexborNode] = []
    for i, node in enumerate(body.css("a, button, [role=button]")):
        if i >= MAX_ELEMENTS:
            break
        why = _call(node)
        if why is not None:
            found.append(why)
            doomed.append(node)
    for node in doomed:
        node.decompose()
    return found


def _call(node: LexborNode) -> str | None:
    href = (node.attributes.get("href") or "").strip()
    low = href.lower()
    scheme = low.split(":", 1)[0] if ":" in low[:32] else ""
    if scheme in APP_STORE_SCHEMES:
        return f"a link to an app store ({scheme}://)"
    if scheme and scheme not in WEB_SCHEMES and re.fullmatch(r"[a-z][a-z0-9+.\-]*", scheme):
        return f"a link that opens an app ({scheme}://)"
    host = low.split("//", 1)[1].split("/", 1)[0] if low.startswith(("http://", "https://", "//")) else ""
    if host in _STORE_HOST_PREFIXES:
        return f"a link to an app store ({host})"
    if low.split("?", 1)[0].endswith(".apk"):
        return "a link to an Android package (.apk)"
    text = node.text(separator=" ", strip=True)
    if 0 < len(text) <= MAX_CALL_TEXT:
        squeezed = "".join(text.split())
        if _CALL_ZH.match(squeezed) or _CALL_EN.match(" ".join(text.split())):
            return f"a call “{text}”"
    return None


def _script_jump(text: str) -> str | None:
    """The app scheme a script of the page sends it to (``location.href = "taobao://…"``), if any."""
    for m in _SCHEME_JUMP.finditer(text, 0, MAX_SCRIPT_SCAN):
        scheme = m.group(1).lower()
        if scheme not in WEB_SCHEMES and (m.start() == 0 or not text[m.start() - 1].isalnum()):
            return scheme
    return None
