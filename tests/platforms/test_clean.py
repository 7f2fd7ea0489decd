"""clean: the real tracking URLs from the notes, refusals, wrappers, exact bytes and the rule chain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hutong.config import CleanSection
from hutong.core.clean import Cleaner
from hutong.core.clearurls import ClearURLsRules
from hutong.core.identify import NOT_IDENTIFIED

from .cases import CLEAN, IDENT, clean, link, norm

# (before, after, removed) -- "before" URLs marked [V] are verbatim from the research notes
CASES = {
    "taobao expanded share [V]": (
        "https://item.taobao.com/item.htm?app=chrome&bxsign=scdw8R…&cpp=1&id=770687446004&share_crt_v=1"
        "&shareurl=true&short_name=h.T0wP1cjam1l9kqz&sp_tk=M25sbzNyOGVERlk%3D&spm=a2159r.13376460.0.0"
        "&tbSocialPopKey=shareItem&tk=3nlo3r8eDFY&un=cdea73b7…&un_site=0"
        "&ut_sk=1.ZX8bAPQXlJ8DAFNid3SHa5pj_21646297_1731477281632.Copy.1&wxsign=tbwVaE…&skuId=5450141666122",
        "https://item.taobao.com/item.htm?id=770687446004&skuId=5450141666122",
        (
            "app",
            "bxsign",
            "cpp",
            "share_crt_v",
            "shareurl",
            "short_name",
            "sp_tk",
            "spm",
            "tbSocialPopKey",
            "tk",
            "un",
            "un_site",
            "ut_sk",
            "wxsign",
        ),
    ),
    "jd app share [V]": (
        "https://item.m.jd.com/product/100012043978.html?gx=RnFjkTVbbj2PmtQUqId1VOmfpTE6-g&ad_od=share"
        "&utm_source=androidapp&utm_medium=appshare&utm_campaign=t_335139774&utm_term=CopyURL",
        "https://item.m.jd.com/product/100012043978.html",
        ("gx", "ad_od", "utm_source", "utm_medium", "utm_campaign", "utm_term"),
    ),
    "bilibili b23 target [V], p=1 dropped": (
        "https://www.bilibili.com/video/BV1oM4y1G7LW?p=1&share_medium=android&share_plat=android"
        "&share_session_id=f3852d0c-…&share_source=COPY&share_tag=s_i&timestamp=1639477906&unique_k=kpLP9MF",
        "https://www.bilibili.com/video/BV1oM4y1G7LW",
        (
            "p",
            "share_medium",
            "share_plat",
            "share_session_id",
            "share_source",
            "share_tag",
            "timestamp",
            "unique_k",
        ),
    ),
    "bilibili keeps p and t": (
        "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42&vd_source=abc&spm_id_from=333.788",
        "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42",
        ("vd_source", "spm_id_from"),
    ),
    "xhs app share target [V], token bytes kept": (
        "https://www.xiaohongshu.com/discovery/item/68e8e3fa00000000030342ec?app_platform=android&ignoreEngage=true"
        "&app_version=9.6.0&share_from_user_hidden=true&xsec_source=app_share&type=normal"
        "&xsec_token=CBW9rwIV2qhcCD-JsQAOSHd2tTW9jXAtzqlgVXp6c52Sw%3D&author_share=1&xhsshare=QQ&shareRedId=…"
        "&apptime=1761372823&share_id=…&share_channel=qq",
        "https://www.xiaohongshu.com/discovery/item/68e8e3fa00000000030342ec"
        "?xsec_token=CBW9rwIV2qhcCD-JsQAOSHd2tTW9jXAtzqlgVXp6c52Sw%3D",
        (
            "app_platform",
            "ignoreEngage",
            "app_version",
            "share_from_user_hidden",
            "xsec_source",
            "type",
            "author_share",
            "xhsshare",
            "shareRedId",
            "apptime",
            "share_id",
            "share_channel",
        ),
    ),
    "xhs web share [V], trailing = kept": (
        "https://www.xiaohongshu.com/discovery/item/68860155000000000b01d7b9?source=webshare&xhsshare=pc_web"
        "&xsec_token=ABuJP7NdIF8JVk60vU7U28z6dhKqOwdh2IWbSmzH3Scqc=&xsec_source=pc_share",
        "https://www.xiaohongshu.com/discovery/item/68860155000000000b01d7b9"
        "?xsec_token=ABuJP7NdIF8JVk60vU7U28z6dhKqOwdh2IWbSmzH3Scqc=",
        ("source", "xhsshare", "xsec_source"),
    ),
    "douyin iesdouyin share [V]": (
        "https://www.iesdouyin.com/share/video/7298145681699622182/?region=CN&mid=7298&u_code=l1j9bkbd"
        "&did=MS4w&iid=MS4w&with_sec_did=1&titleType=title&share_sign=abc&share_version=170400&ts=1699262937"
        "&from_aid=6383&from_ssr=1&from=web_code_link",
        "https://www.iesdouyin.com/share/video/7298145681699622182/",
        (
            "region",
            "mid",
            "u_code",
            "did",
            "iid",
            "with_sec_did",
            "titleType",
            "share_sign",
            "share_version",
            "ts",
            "from_aid",
            "from_ssr",
            "from",
        ),
    ),
    "douyin keeps modal_id": (
        "https://www.douyin.com/discover?modal_id=7298145681699622182&previous_page=web_code_link",
        "https://www.douyin.com/discover?modal_id=7298145681699622182",
        ("previous_page",),
    ),
    "kuaishou redirect target [V]": (
        "https://v.m.chenzhongtech.com/fw/photo/3xhjgcmir24m4nm?fid=1&cc=share_copylink&shareToken=X"
        "&userId=3xabc&photoId=3xhjgcmir24m4nm",
        "https://v.m.chenzhongtech.com/fw/photo/3xhjgcmir24m4nm",
        ("fid", "cc", "shareToken", "userId", "photoId"),
    ),
    "wechat article [V; the notes elide sn, completed here], fragment dropped": (
        "https://mp.weixin.qq.com/s?__biz=MzU0OTE4MzYzMw==&mid=2247489027&idx=3&sn=c149ce48a0b1c2d3e4f5061728394a5b&chksm=fbb29f…"
        "&mpshare=1&scene=1&srcid=0614MWpeEsBc1RaBrl4htn3D&sharer_sharetime=1592106638907"
        "&sharer_shareid=a2497c47…&rd2werd=1#wechat_redirect",
        "https://mp.weixin.qq.com/s?__biz=MzU0OTE4MzYzMw==&mid=2247489027&idx=3&sn=c149ce48a0b1c2d3e4f5061728394a5b",
        (
            "chksm",
            "mpshare",
            "scene",
            "srcid",
            "sharer_sharetime",
            "sharer_shareid",
            "rd2werd",
            "#wechat_redirect",
        ),
    ),
    "wechat temp link keeps its signature set": (
        "https://mp.weixin.qq.com/s?src=11&timestamp=1700000000&ver=4900&signature=AbC&new=1&uin=x&key=y",
        "https://mp.weixin.qq.com/s?src=11&timestamp=1700000000&ver=4900&signature=AbC&new=1",
        ("uin", "key"),
    ),
    "zhihu app share [V]": (
        "https://www.zhihu.com/question/4023337465/answer/1950623317519242011?share_code=wOgLUTuVp9MB"
        "&utm_psn=2009324012581458495",
        "https://www.zhihu.com/question/4023337465/answer/1950623317519242011",
        ("share_code", "utm_psn"),
    ),
    "pdd ps is the locator": (
        "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj&refer_page_name=index&refer_page_id=10002_1",
        "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
        ("refer_page_name", "refer_page_id"),
    ),
    "weibo keeps video fid": (
        "https://video.weibo.com/show?fid=1034:4950349356236855&weibo_id=1&dt_dapp=1",
        "https://video.weibo.com/show?fid=1034:4950349356236855",
        ("weibo_id", "dt_dapp"),
    ),
    "generic on an unknown site": (
        "https://example.com/a?x=1&utm_source=news&fbclid=IwAR&gclid=abc&y=2#xtor=RSS-8",
        "https://example.com/a?x=1&y=2",
        ("utm_source", "fbclid", "gclid", "#xtor=RSS-8"),
    ),
    "short link keeps its query (expanded later)": (
        "https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy",
        "https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy",
        (),
    ),
    "zhihu search page keeps its query (not a content page)": (
        "https://www.zhihu.com/search?type=content&q=%E4%BD%A0%E5%A5%BD&utm_source=x",
        "https://www.zhihu.com/search?type=content&q=%E4%BD%A0%E5%A5%BD",
        ("utm_source",),
    ),
    "wechat oauth fragment kept (not a content page)": (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=x&redirect_uri=y#wechat_redirect",
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=x&redirect_uri=y#wechat_redirect",
        (),
    ),
    "nothing to remove: bytes unchanged": (
        "https://example.com/a?b=%7B%7D&&c=1&c=2#frag",
        "https://example.com/a?b=%7B%7D&&c=1&c=2#frag",
        (),
    ),
}


@pytest.mark.parametrize(("before", "after", "removed"), CASES.values(), ids=CASES)
def test_clean(before: str, after: str, removed: tuple[str, ...]) -> None:
    got = clean(norm(before))
    assert (got.url, got.removed, got.refused) == (norm(after), removed, ())


WRAPPED = {
    "proofpoint v2 signed": "https://urldefense.proofpoint.com/v2/url?u=https-3A__example.com_-3Futm-5Fsource-3Dx"
    "&d=DwMFaQ&c=x&r=y&m=z&s=sig&e=",
    "proofpoint v3 signed": "https://urldefense.com/v3/__https://example.com/?utm_source=x__;!!ORG!SIG$",
    "safelinks": "https://nam01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2F&data=x"
    "&utm_source=y",
    "undecodable zhihu link": "https://link.zhihu.com/?target=javascript%3Ax&utm_source=y",
}


@pytest.mark.parametrize("url", WRAPPED.values(), ids=WRAPPED)
def test_never_cleans_inside_a_wrapper(url: str) -> None:
    assert clean(url).url == url


RULES = ClearURLsRules.from_json(
    {
        "providers": {
            "overbroad": {
                "urlPattern": ".*",
                "rules": ["id", "goods_id", "ps", "xsec_token", "p", "sn", "junk"],
            },
        }
    }
)
REFUSED = {
    "taobao id": (
        "https://item.taobao.com/item.htm?id=770687446004&junk=1",
        "https://item.taobao.com/item.htm?id=770687446004",
        ("junk",),
        ("id",),
    ),
    "pdd goods_id": (
        "https://mobile.yangkeduo.com/goods.html?goods_id=123456789&junk=1",
        "https://mobile.yangkeduo.com/goods.html?goods_id=123456789",
        ("junk",),
        ("goods_id",),
    ),
    "pdd ps": (
        "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
        "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
        (),
        ("ps",),
    ),
    "xhs token": (
        "https://www.xiaohongshu.com/explore/68e8e3fa00000000030342ec?xsec_token=AB=",
        "https://www.xiaohongshu.com/explore/68e8e3fa00000000030342ec?xsec_token=AB=",
        (),
        ("xsec_token",),
    ),
    "wechat sn": (
        "https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=1&sn=abcdef12",
        "https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=1&sn=abcdef12",
        (),
        ("sn",),
    ),
    "bilibili p=2 kept, p=1 default still dropped": (
        "https://www.bilibili.com/video/BV1xx411c7mD?p=2",
        "https://www.bilibili.com/video/BV1xx411c7mD?p=2",
        (),
        ("p",),
    ),
    "unknown site: no locator, removed": (
        "https://example.com/?id=1&junk=2",
        "https://example.com/",
        ("id", "junk"),
        (),
    ),
}


@pytest.mark.parametrize(("before", "after", "removed", "refused"), REFUSED.values(), ids=REFUSED)
def test_removal_of_a_locator_is_refused(
    before: str, after: str, removed: tuple[str, ...], refused: tuple[str, ...]
) -> None:
    got = clean(before, Cleaner(clearurls=RULES))
    assert (got.url, got.removed, got.refused) == (after, removed, refused)


def test_generic_rules_can_be_turned_off() -> None:
    url = "https://example.com/?utm_source=x"
    assert clean(url, Cleaner(settings=CleanSection(generic=False))).url == url


def test_referral_marketing_kept_on_request() -> None:
    rules = ClearURLsRules.from_json(
        {
            "providers": {
                "shop": {
                    "urlPattern": r"^https?://shop\.test",
                    "rules": ["ref"],
                    "referralMarketing": ["tag"],
                },
            }
        }
    )
    url = "https://shop.test/p?ref=a&tag=aff-20"
    assert clean(url, Cleaner(clearurls=rules)).removed == ("ref", "tag")
    assert clean(url, Cleaner(clearurls=rules, settings=CleanSection(keep_referral=True))).removed == ("ref",)


def test_exempt_sites_are_left_alone() -> None:
    url = "https://sub.allowlisted.test/?utm_source=x"
    assert clean(url, Cleaner(exempt=["allowlisted.test"])).url == url
    assert clean("https://other.test/?utm_source=x", Cleaner(exempt=["allowlisted.test"])).removed == (
        "utm_source",
    )


def test_duplicates_are_removed_and_named_once() -> None:
    got = clean("https://example.com/?gclid=1&q=2&gclid=3")
    assert (got.url, got.removed) == ("https://example.com/?q=2", ("gclid",))


params = st.lists(
    st.tuples(
        st.sampled_from(["id", "utm_source", "spm", "q", "xsec_token", "p", "t", "fbclid", "a"]),
        st.text(alphabet="abcXYZ019%=-_", max_size=6),
    ),
    max_size=8,
)
hosts = st.sampled_from(["item.taobao.com", "www.bilibili.com", "www.xiaohongshu.com", "example.com"])
paths = st.sampled_from(["/item.htm", "/video/BV1xx411c7mD", "/explore/68e8e3fa00000000030342ec", "/"])


@given(host=hosts, path=paths, qs=params)
def test_clean_keeps_pieces_in_order_and_is_idempotent(
    host: str, path: str, qs: list[tuple[str, str]]
) -> None:
    query = "&".join(f"{k}={v}" for k, v in qs)
    url = f"https://{host}{path}" + (f"?{query}" if query else "")
    got = clean(url)
    pieces = [p for p in query.split("&") if p]
    kept = got.url.partition("?")[2].split("&") if "?" in got.url else []
    rest = iter(pieces)
    assert all(p in rest for p in kept)  # kept pieces are original bytes, in the original order
    assert all(p.partition("=")[0] in got.removed for p in pieces if p not in kept)
    assert clean(got.url).url == got.url
    assert got.link == link(got.url)  # the cleaned link, built from parts, is what parsing its href gives


GIVEN = {
    # (url, identified as what the pipeline identified, or not at all, expected url)
    "identified content page: the platform's strip list runs too": (
        "https://item.taobao.com/item.htm?id=770687446004&spm=a&utm_source=x&foo=1",
        True,
        "https://item.taobao.com/item.htm?id=770687446004&foo=1",
    ),
    "same link, not identified: only the generic rules run": (
        "https://item.taobao.com/item.htm?id=770687446004&spm=a&utm_source=x&foo=1",
        False,
        "https://item.taobao.com/item.htm?id=770687446004&spm=a&foo=1",
    ),
    "identified short link: cleaned after it is expanded, generic rules only": (
        "https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy&utm_source=x",
        True,
        "https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy",
    ),
}


@pytest.mark.parametrize(("url", "identified", "after"), GIVEN.values(), ids=GIVEN)
def test_the_cleaner_reads_the_identification_it_is_given(url: str, identified: bool, after: str) -> None:
    """The cleaner never identifies a link itself: what it keeps and strips follows the value it is handed."""
    parsed = link(url)
    given = IDENT.identify(parsed) if identified else NOT_IDENTIFIED
    assert CLEAN.clean(parsed, given).url == after
