"""The [share] data against verbatim share texts from the notes: cue -> platform, title, stated kind.

The finder owns how share texts are found; this checks only that the data says the right thing.
"""

from __future__ import annotations

import pytest

from hutong.core import platforms

BUNDLED = platforms.bundled()


def read_share(text: str) -> tuple[str | None, str | None, str | None]:
    """(platform, title, kind) as the share data describes ``text``: first platform whose cue is present."""
    for p in BUNDLED:
        if any(cue in text for cue in p.share.cues):
            title = next((m.group("title") for rx in p.share.title_patterns if (m := rx.search(text))), None)
            kind = next((k.kind for k in p.share.kinds if k.cue in text), None)
            return p.id, title, kind
    return None, None, None


CASES = {
    "taobao 2023": (
        "【淘宝】https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy CZ3457 「免插卡"
        " 随身wifi」\n点击链接直接打开 或者 淘宝搜索直接打开",
        "taobao",
        "免插卡 随身wifi",
        None,
    ),
    "taobao 2024 promo phrase": (
        "【淘宝】7天无理由退货 https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E HU926 「新款饺子器木制」\n"
        "点击链接直接打开 或者 淘宝搜索直接打开",
        "taobao",
        "新款饺子器木制",
        None,
    ),
    "xianyu": (
        "【闲鱼】https://m.tb.cn/h.hSg1pGC?tk=Fajw40p7wpj CZ193"
        " 「我在闲鱼发布了【开源数字人heygemer逆向教学】」\n"
        "#小程序://闲鱼/DltdGeCXEGcyyod\n点击链接直接打开",
        "xianyu",
        "我在闲鱼发布了【开源数字人heygemer逆向教学】",
        "product",
    ),
    "jd 3.cn": (
        "【京东】https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@ CA1565"
        " 「【京东物流】100双中筒袜」\r\n点击链接直接打开 或者复制文案打开京东",
        "jd",
        "【京东物流】100双中筒袜",
        None,
    ),
    "jd title glued": (
        "【京东】https://u.jd.com/YO58R3K「爱他美澳洲白金2段6罐 社群领券」点击链接直接打开",
        "jd",
        "爱他美澳洲白金2段6罐 社群领券",
        None,
    ),
    "douyin video": (
        "7.43 pda:/ 让你在几秒钟之内记住我  https://v.douyin.com/L5pbfdP/ 复制此链接，打开Dou音搜索"
        "，直接观看视频！",
        "douyin",
        "让你在几秒钟之内记住我",
        None,
    ),
    "douyin 复制打开抖音": (
        "3.38 复制打开抖音，看看【烛不遥的作品】⚡大广西是我的家乡⚡ # 烛不遥 # 广西 # d... "
        "https://v.douyin.com/48PMYp6_elQ/ M@j.CU uSY:/ 08/08 ",
        "douyin",
        "⚡大广西是我的家乡⚡ # 烛不遥 # 广西 # d...",
        None,
    ),
    "douyin profile": (
        "长按复制此条消息，打开抖音搜索，查看TA的更多作品。 https://v.douyin.com/idFqvUms/",
        "douyin",
        None,
        "profile",
    ),
    "douyin live room": (
        "6i- Q@x.Sl 03/23 【醒子8ke的直播间】  点击打开👉https://v.douyin.com/i8tBR7hX/ "
        " 或长按复制此条消息，打开抖音，看TA直播",
        "douyin",
        "醒子8ke的直播间",
        "live",
    ),
    "douyin live now": (
        "2- #在抖音，记录美好生活#【绝地苟老六】正在直播，来和我一起支持Ta吧。复制下方链接"
        "，打开【抖音】，直接观看直播！ "
        "https://v.douyin.com/RfiaMUy15vo/ 0@5.com :9pm",
        "douyin",
        "绝地苟老六",
        "live",
    ),
    "xhs app old": (
        "66 四维的旅行日记发布了一篇小红书笔记，快来看吧！ 😆 peAMH4Qvxm7IWc2 😆"
        " http://xhslink.com/EuSrvu，复制本条信息，"
        "打开【小红书】App查看精彩内容！",
        "xiaohongshu",
        None,
        "note",
    ),
    "xhs /m/ title": (
        "【东京3日游｜懒人版攻略 - 旅行的小王 | 小红书 - 你的生活指南】 😆 6E8kGnSd9JiMk7l 😆"
        " http://xhslink.com/m/1gJ5tOG6M1b，"
        "复制本条信息，打开【小红书】App查看精彩内容！",
        "xiaohongshu",
        "东京3日游｜懒人版攻略 - 旅行的小王",
        None,
    ),
    "bilibili title with brackets": (
        "【【阅读3.0】书源制作过程(基础语法)-哔哩哔哩】 https://b23.tv/TUMG3e5",
        "bilibili",
        "【阅读3.0】书源制作过程(基础语法)",
        None,
    ),
    "bilibili space": (
        "【浅梦-Dream的个人空间-哔哩哔哩】 https://b23.tv/hR6J1YF",
        "bilibili",
        "浅梦-Dream",
        "profile",
    ),
    "kuaishou": (
        'https://v.kuaishou.com/BgUhrh 今日播下善良的种子，明日必能开出幸运之花！ "天生我有戏'
        ' "剧星计划 "快手弹幕 '
        "该作品在快手被播放过223.9万次，点击链接，打开【快手】直接观看！",
        "kuaishou",
        '今日播下善良的种子，明日必能开出幸运之花！ "天生我有戏 "剧星计划 "快手弹幕',
        "video",
    ),
    "kuaishou legacy": (
        "济公模仿秀【胶水哥】发了一个快手作品，一起来看！ http://www.gifshow.com/s/yvEcB84Z"
        " 复制此链接，打开【快手】直接观看！",
        "kuaishou",
        "济公模仿秀【胶水哥】",
        "video",
    ),
    "zhihu answer": (
        "二分查找有几种写法？它们的区别是什么？ - Jason Li的回答 - 知乎 https://"
        "www.zhihu.com/question/36132386/answer/530313852",
        "zhihu",
        "二分查找有几种写法？它们的区别是什么？",
        "answer",
    ),
    "zhihu question": (
        "如何学习ANTLR? - 知乎 https://www.zhihu.com/question/437337408",
        "zhihu",
        "如何学习ANTLR?",
        None,
    ),
    "zhihu article": (
        "Beamer——基于LaTex的Slides制作 - 郑哲的文章 - 知乎 https://zhuanlan.zhihu.com/p/1",
        "zhihu",
        "Beamer——基于LaTex的Slides制作",
        "article",
    ),
    "youtube id is no share": ("看这个视频 youtube.com/watch?v=dQw4w9WgXcQ", None, None, None),
}


@pytest.mark.parametrize(("text", "platform", "title", "kind"), CASES.values(), ids=CASES)
def test_share_data(text: str, platform: str | None, title: str | None, kind: str | None) -> None:
    assert read_share(text) == (platform, title, kind)


def test_taobao_token_cues_cover_the_historic_homoglyphs() -> None:
    text = (
        "【2018夏季新款女装】http://m.tb.cn/h.3XYA5IW 点击链"
        "接，再选择浏览器咑閞；或復·制这段描述€g1IVbaMXxxK€后到👉淘♂寳♀👈"
    )
    taobao = platforms.by_id()["taobao"]
    assert {"咑閞", "復·制", "淘♂寳"} <= {c for c in taobao.share.token_cues if c in text}
