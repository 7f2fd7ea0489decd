"""Share texts of every bundled platform, from the team research notes on platform share texts (notes/platforms.md) ([V] verbatim, [C] composed).

Each row: the message and every link expected in it, as (form, text, platform, kind, title, token).
"""

# ruff: noqa: E501  (verbatim share texts are data; splitting them would hide what was shared)
from __future__ import annotations

import pytest

from hutong.core.find import find_links

Row = tuple[str, str, str | None, str | None, str | None, str | None]


def finds(text: str) -> list[Row]:
    return [(f.form, f.text, f.platform, f.kind, f.title, f.token) for f in find_links(text)]


def share(url: str, platform: str, kind: str | None = None, title: str | None = None) -> Row:
    return ("share", url, platform, kind, title, None)


def token(tok: str, platform: str | None) -> Row:
    return ("token", tok, platform, None, None, tok)


CASES: list[tuple[str, str, list[Row]]] = [
    # Taobao / Tmall / Xianyu
    ("taobao-2018-euro-V",
     "【2018夏季新款女装…】http://m.tb.cn/h.3XYA5IW 点击链接，再选择浏览器咑閞；或復·制这段描述€g1IVbaMXxxK€后到👉淘♂寳♀👈",
     [share("http://m.tb.cn/h.3XYA5IW", "taobao", title="2018夏季新款女装…"), token("g1IVbaMXxxK", "taobao")]),
    ("taobao-2020-cjk-delimiter-V",
     "1👈啊5NKkX84wYdk啊 https://m.tb.cn/h.4CEhFr0?sm=70d491 lofree洛斐 小浪无线机械键盘",
     [token("5NKkX84wYdk", "taobao"), ("url", "https://m.tb.cn/h.4CEhFr0?sm=70d491", None, None, None, None)]),
    ("taobao-2023-V",
     "【淘宝】https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy CZ3457 「免插卡 随身wifi」\n点击链接直接打开 或者 淘宝搜索直接打开",
     [share("https://m.tb.cn/h.UvpmkC1?tk=sGbodnsOSIy", "taobao", title="免插卡 随身wifi")]),
    ("taobao-2024-promo-V",
     "【淘宝】7天无理由退货 https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E HU926 「新款饺子器木制」\n"
     "点击链接直接打开 或者 淘宝搜索直接打开",
     [share("https://e.tb.cn/h.7vUJnkd5IQyLbmr?tk=uEXDUlwjL4E", "taobao", title="新款饺子器木制")]),
    ("taobao-composed-C",
     "【淘宝】大促价保 https://e.tb.cn/h.AbCdEfGhIjKlMnO?tk=Ab1Cd2Ef3Gh HU926 「测试商品标题」\n点击链接直接打开 或者 淘宝搜索直接打开",
     [share("https://e.tb.cn/h.AbCdEfGhIjKlMnO?tk=Ab1Cd2Ef3Gh", "taobao", title="测试商品标题")]),
    ("tmall-C",
     "【天猫】https://m.tb.cn/h.AbCdEf1?tk=Zx9Yw8Vu7Ts CZ1234 「旗舰店 新品」 点击链接直接打开",
     [share("https://m.tb.cn/h.AbCdEf1?tk=Zx9Yw8Vu7Ts", "tmall", title="旗舰店 新品")]),
    ("xianyu-with-miniprogram-V",
     "【闲鱼】https://m.tb.cn/h.hSg1pGC?tk=Fajw40p7wpj CZ193 「我在闲鱼发布了【开源数字人heygemer逆向教学】」\n"
     "#小程序://闲鱼/DltdGeCXEGcyyod\n点击链接直接打开",
     [share("https://m.tb.cn/h.hSg1pGC?tk=Fajw40p7wpj", "xianyu", "product", "我在闲鱼发布了【开源数字人heygemer逆向教学】"),
      ("miniprogram", "#小程序://闲鱼/DltdGeCXEGcyyod", "xianyu", None, "闲鱼", "DltdGeCXEGcyyod")]),
    # JD
    ("jd-3cn-jkl-V",
     "【京东】https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@ CA1565 「【京东物流】100双中筒袜」\r\n点击链接直接打开 或者复制文案打开京东",
     [share("https://3.cn/35RO-7uG?jkl=@W0a0c28PhTuD@", "jd", title="【京东物流】100双中筒袜")]),
    ("jd-title-glued-V",
     "【京东】https://u.jd.com/YO58R3K「爱他美澳洲白金2段6罐 社群领券」点击链接直接打开",
     [share("https://u.jd.com/YO58R3K", "jd", title="爱他美澳洲白金2段6罐 社群领券")]),
    ("jd-broken-pseudo-url-V", "28.0复制整段话 Https:/JYDWNoVro4qHi1【全民在线营业啦…】￥N2Jae9a23b%→打开（京つ東】", []),
    # Pinduoduo
    ("pdd-bare-ps-V", "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj",
     [("url", "https://mobile.yangkeduo.com/goods.html?ps=Bo90h8nXsj", None, None, None, None)]),
    ("pdd-share-C", "【拼多多】https://mobile.yangkeduo.com/goods2.html?ps=eyPVs6rclm 「测试商品」",
     [share("https://mobile.yangkeduo.com/goods2.html?ps=eyPVs6rclm", "pinduoduo", title="测试商品")]),
    # Douyin
    ("douyin-video-V", "7.43 pda:/ 让你在几秒钟之内记住我  https://v.douyin.com/L5pbfdP/ 复制此链接，打开Dou音搜索，直接观看视频！",
     [share("https://v.douyin.com/L5pbfdP/", "douyin", title="让你在几秒钟之内记住我")]),
    ("douyin-noise-prefix-V",
     "0.53 02/26 I@v.sE Fus:/ 你别太帅了郑润泽# 现场版live # 音乐节 # 郑润泽  https://v.douyin.com/iRNBho6u/ "
     "复制此链接，打开Dou音搜索，直接观看视频!",
     [share("https://v.douyin.com/iRNBho6u/", "douyin", title="你别太帅了郑润泽# 现场版live # 音乐节 # 郑润泽")]),
    ("douyin-profile-V", "5- 长按复制此条消息，打开抖音搜索，查看TA的更多作品。 https://v.douyin.com/ik4XMwp7/ 7@1.com :7pm",
     [share("https://v.douyin.com/ik4XMwp7/", "douyin", "profile")]),
    ("douyin-live-emoji-glued-V",
     "6i- Q@x.Sl 03/23 【醒子8ke的直播间】  点击打开👉https://v.douyin.com/i8tBR7hX/  或长按复制此条消息，打开抖音，看TA直播",
     [share("https://v.douyin.com/i8tBR7hX/", "douyin", "live", "醒子8ke的直播间")]),
    ("douyin-live-V",
     "2- #在抖音，记录美好生活#【绝地苟老六】正在直播，来和我一起支持Ta吧。复制下方链接，打开【抖音】，直接观看直播！ "
     "https://v.douyin.com/RfiaMUy15vo/ 0@5.com :9pm",
     [share("https://v.douyin.com/RfiaMUy15vo/", "douyin", "live", "绝地苟老六")]),
    ("douyin-composed-C", "1.23 abc:/ 复制打开抖音，看看【某某的作品】标题 # 话题  https://v.douyin.com/Ab_Cd-EfGh/ a@b.cn :8pm 01/01",
     [share("https://v.douyin.com/Ab_Cd-EfGh/", "douyin", title="标题 # 话题")]),
    # Xiaohongshu
    ("xhs-app-comma-glued-V",
     "66 四维的旅行日记发布了一篇小红书笔记，快来看吧！ 😆 peAMH4Qvxm7IWc2 😆 http://xhslink.com/EuSrvu，复制本条信息，打开【小红书】App查看精彩内容！",
     [share("http://xhslink.com/EuSrvu", "xiaohongshu", "note")]),
    ("xhs-m-title-V",
     "【东京3日游｜懒人版攻略 - 旅行的小王 | 小红书 - 你的生活指南】 😆 6E8kGnSd9JiMk7l 😆 http://xhslink.com/m/1gJ5tOG6M1b，"
     "复制本条信息，打开【小红书】App查看精彩内容！",
     [share("http://xhslink.com/m/1gJ5tOG6M1b", "xiaohongshu", title="东京3日游｜懒人版攻略 - 旅行的小王")]),
    ("xhs-web-xsec-token-V",
     "99 【如果那年没有落榜... - 陆翎羽 | 小红书 - 你的生活兴趣社区】 😆 3gW7FI2vROHVD0Z 😆 "
     "https://www.xiaohongshu.com/discovery/item/68860155000000000b01d7b9?source=webshare&xhsshare=pc_web"
     "&xsec_token=ABuJP7NdIF8JVk60vU7U28z6dhKqOwdh2IWbSmzH3Scqc=&xsec_source=pc_share",
     [share("https://www.xiaohongshu.com/discovery/item/68860155000000000b01d7b9?source=webshare&xhsshare=pc_web"
            "&xsec_token=ABuJP7NdIF8JVk60vU7U28z6dhKqOwdh2IWbSmzH3Scqc=&xsec_source=pc_share",
            "xiaohongshu", title="如果那年没有落榜... - 陆翎羽")]),
    # Bilibili
    ("bili-nested-brackets-V", "【【阅读3.0】书源制作过程(基础语法)-哔哩哔哩】 https://b23.tv/TUMG3e5",
     [share("https://b23.tv/TUMG3e5", "bilibili", title="【阅读3.0】书源制作过程(基础语法)")]),
    ("bili-title-up-to-last-marker-C", "【【合集】上-哔哩哔哩】下集-哔哩哔哩】 https://b23.tv/AbC1dEf",
     [share("https://b23.tv/AbC1dEf", "bilibili", title="【合集】上-哔哩哔哩】下集")]),
    ("bili-profile-V", "【浅梦-Dream的个人空间-哔哩哔哩】 https://b23.tv/hR6J1YF",
     [share("https://b23.tv/hR6J1YF", "bilibili", "profile", "浅梦-Dream")]),
    ("bili-params-C", "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42&vd_source=abc&spm_id_from=333.788",
     [("url", "https://www.bilibili.com/video/BV1xx411c7mD/?p=3&t=42&vd_source=abc&spm_id_from=333.788",
       None, None, None, None)]),
    # Kuaishou
    ("kuaishou-url-first-V",
     'https://v.kuaishou.com/BgUhrh 今日播下善良的种子，明日必能开出幸运之花！ "天生我有戏 "剧星计划 "快手弹幕 '
     "该作品在快手被播放过223.9万次，点击链接，打开【快手】直接观看！",
     [share("https://v.kuaishou.com/BgUhrh", "kuaishou", "video",
            '今日播下善良的种子，明日必能开出幸运之花！ "天生我有戏 "剧星计划 "快手弹幕')]),
    ("kuaishou-author-V", "https://v.kuaishou.com/jFpS2n @阿浩好物分享 发了一个快手作品，一起来看！复制此消息，打开【快手】直接观看！",
     [share("https://v.kuaishou.com/jFpS2n", "kuaishou", "video")]),
    ("kuaishou-legacy-V", "济公模仿秀【胶水哥】发了一个快手作品，一起来看！ http://www.gifshow.com/s/yvEcB84Z 复制此链接，打开【快手】直接观看！",
     [share("http://www.gifshow.com/s/yvEcB84Z", "kuaishou", "video", "济公模仿秀【胶水哥】")]),
    # Weibo, WeChat
    ("weibo-tcn-V", "http://t.cn/A6aerGsM", [("url", "http://t.cn/A6aerGsM", None, None, None, None)]),
    ("wechat-article-V",
     "https://mp.weixin.qq.com/s?__biz=MzU0OTE4MzYzMw==&mid=2247489027&idx=3&sn=c149ce48&chksm=fbb29f&mpshare=1"
     "&rd2werd=1#wechat_redirect",
     [("url", "https://mp.weixin.qq.com/s?__biz=MzU0OTE4MzYzMw==&mid=2247489027&idx=3&sn=c149ce48&chksm=fbb29f"
       "&mpshare=1&rd2werd=1#wechat_redirect", None, None, None, None)]),
    ("weibo-topic-C", "#话题# 正文…… http://t.cn/A6xxxxxx", [("url", "http://t.cn/A6xxxxxx", None, None, None, None)]),
    ("douban-C", "这本书不错（来自豆瓣） https://book.douban.com/subject/1084336/",
     [share("https://book.douban.com/subject/1084336/", "douban")]),
    ("qq-miniprogram-card-C", "[QQ小程序]哔哩哔哩 https://b23.tv/AbC1dEf",
     [share("https://b23.tv/AbC1dEf", "qq")]),
    # Zhihu
    ("zhihu-answer-V", "二分查找有几种写法？它们的区别是什么？ - Jason Li的回答 - 知乎 https://www.zhihu.com/question/36132386/answer/530313852",
     [share("https://www.zhihu.com/question/36132386/answer/530313852", "zhihu", "answer", "二分查找有几种写法？它们的区别是什么？")]),
    ("zhihu-question-V", "如何学习ANTLR? - 知乎 https://www.zhihu.com/question/437337408",
     [share("https://www.zhihu.com/question/437337408", "zhihu", title="如何学习ANTLR?")]),
    # negatives: an 11-character id is not a token without a cue
    ("youtube-id-not-token-C", "看这个视频 youtube.com/watch?v=dQw4w9WgXcQ",
     [("domain", "youtube.com/watch?v=dQw4w9WgXcQ", None, None, None, None)]),
    ("youtube-id-alone-C", "dQw4w9WgXcQ", []),
    ("no-cue-no-share-C", "淘宝上买的 https://example.com/x", [("url", "https://example.com/x", None, None, None, None)]),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_share_texts(text: str, expected: list[Row]) -> None:
    assert finds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_spans_slice_back(text: str, expected: list[Row]) -> None:
    for f in find_links(text):
        assert text[f.start : f.end] == f.text


# Several share texts in one message, each read as one; and links pasted beside a share text stay plain.
# Each row: the message, then (form, platform, title) of every web URL in message order.
VERBATIM = {name: text for name, text, _ in CASES}
TB = VERBATIM["taobao-2023-V"]  # 【淘宝】URL 「title」 \n 点击链接直接打开 或者 淘宝搜索直接打开
TB_PROMO = VERBATIM["taobao-2024-promo-V"]
BILI = "【【阅读3.0】书源制作过程(基础语法)-哔哩哔哩】 https://b23.tv/TUMG3e5"
DOUYIN = VERBATIM["douyin-video-V"]  # its title before the URL, its cue after
KUAISHOU = VERBATIM["kuaishou-url-first-V"]  # URL first, cue last
PLAIN = "https://item.m.jd.com/product/100012043978.html"
Web = tuple[str, str | None, str | None]
TB_ROW: Web = ("share", "taobao", "免插卡 随身wifi")
PROMO_ROW: Web = ("share", "taobao", "新款饺子器木制")
BILI_ROW: Web = ("share", "bilibili", "【阅读3.0】书源制作过程(基础语法)")
DOUYIN_ROW: Web = ("share", "douyin", "让你在几秒钟之内记住我")
KUAISHOU_ROW: Web = ("share", "kuaishou", '今日播下善良的种子，明日必能开出幸运之花！ "天生我有戏 "剧星计划 "快手弹幕')
PLAIN_ROW: Web = ("url", None, None)

MULTI: list[tuple[str, str, list[Web]]] = [
    ("two-platforms-two-lines", TB + "\n" + BILI, [TB_ROW, BILI_ROW]),
    ("same-platform-twice", TB + "\n" + TB_PROMO, [TB_ROW, PROMO_ROW]),
    ("same-share-pasted-twice", TB + "\n" + TB, [TB_ROW, TB_ROW]),
    ("title-before-url-after-a-trailing-cue", KUAISHOU + "\n" + DOUYIN, [KUAISHOU_ROW, DOUYIN_ROW]),
    ("trailing-cue-then-title-first", DOUYIN + "\n" + KUAISHOU, [DOUYIN_ROW, KUAISHOU_ROW]),
    ("three-in-a-row", BILI + "\n" + TB + "\n" + DOUYIN, [BILI_ROW, TB_ROW, DOUYIN_ROW]),
    ("two-on-one-line", TB_PROMO.replace("\n", " ") + " " + BILI, [PROMO_ROW, BILI_ROW]),
    # a second link beside a share text does not inherit its platform or title
    ("plain-after-closing-line", TB + " " + PLAIN, [TB_ROW, PLAIN_ROW]),
    ("plain-on-the-next-line", TB + "\n" + PLAIN, [TB_ROW, PLAIN_ROW]),
    ("plain-before-a-share", PLAIN + " " + BILI, [PLAIN_ROW, BILI_ROW]),
    ("plain-line-before-a-share", PLAIN + "\n" + TB, [PLAIN_ROW, TB_ROW]),
    ("plain-between-shares", BILI + "\n" + PLAIN + "\n" + TB, [BILI_ROW, PLAIN_ROW, TB_ROW]),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in MULTI])
def test_every_share_text_of_a_message_is_read(text: str, expected: list[Web]) -> None:
    found = [f for f in find_links(text) if f.form in ("url", "share")]
    assert [(f.form, f.platform, f.title) for f in found] == expected
    for f in found:
        assert text[f.start : f.end] == f.text
