"""The transparency report's words in English and Chinese: headings, labels, names of categories,
actions, levels and groups, chart text. Pure data and two lookups, no web framework.

Platform names come from the platform data files (``name``, ``name_zh``), so a platform added as a
file is named in both languages without touching this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Literal

ReportLang = Literal["en", "zh"]
REPORT_LANGS: tuple[ReportLang, ...] = ("en", "zh")
HTML_LANG: Mapping[ReportLang, str] = {"en": "en", "zh": "zh-CN"}

S: Mapping[str, Mapping[ReportLang, str]] = {
    "title": {"en": "Transparency report", "zh": "透明度报告"},
    "page.title": {"en": "hutong transparency report", "zh": "胡同 透明度报告"},
    "switch": {"en": "中文", "zh": "English"},
    "period": {
        "en": "From {since} to {until}; generated {generated}.",
        "zh": "统计区间：{since} 至 {until}；生成于 {generated}。",
    },
    "period.first": {"en": "the first event", "zh": "第一条记录"},
    "period.last": {"en": "the last event", "zh": "最后一条记录"},
    "totals": {
        "en": "{total} decisions when links were shown, {events} events in all, {cards} with a preview card.",
        "zh": "展示链接时共做出 {total} 次决定，全部记录 {events} 条，其中 {cards} 次附带预览卡片。",
    },
    "h.platform": {"en": "By platform", "zh": "按平台"},
    "h.category": {"en": "By category", "zh": "按类别"},
    "h.disparity": {"en": "Disparity", "zh": "差别对待指数"},
    "h.listing": {"en": "Listed and unlisted sites", "zh": "收录与未收录网站"},
    "h.reasons": {"en": "Top reasons", "zh": "主要原因"},
    "h.clicks": {"en": "Click-through", "zh": "点击后继续访问"},
    "h.time": {"en": "Over time (per {bucket})", "zh": "随时间变化（每{bucket}）"},
    "h.appeals": {"en": "Appeals", "zh": "申诉"},
    "appeals.intro": {
        "en": "Reports of a mistake that visitors sent from block and warning pages, and how many led the "
        "operator to allow the site.",
        "zh": "访问者从拦截页和警告页提交的误判申诉，以及其中有多少促使运营方放行了该网站。",
    },
    "h.reach": {"en": "Reachability: do links reach their content?", "zh": "可达性：链接能否打开内容？"},
    "reach.intro": {
        "en": "Where the links hutong fetched when they were checked really landed, per platform: their content, "
        "a login wall (a login page, or a page that is only a login form), an app wall (a hand-over to an app, "
        "an app store, a page that only asks to get or open the app), an error page, or a block (refused by the "
        "site, or never fetched). Shares of the links whose landing is known; links of unlisted sites are "
        "counted alike, in their own row.",
        "zh": "检查链接时胡同实际访问后的落点，按平台统计：内容本身、登录墙（登录页面，或只有登录表单的页面）、"
        "应用墙（跳转到手机应用或应用商店，或只提示下载、打开应用的页面）、错误页面，或被拦截（网站拒绝，"
        "或不予访问）。比例的分母是已知落点的链接数；未收录网站的链接以同样方式计算，单列一行。",
    },
    "col.checked": {"en": "links checked", "zh": "已检查链接数"},
    "reach.content": {"en": "content", "zh": "内容"},
    "reach.login": {"en": "login wall", "zh": "登录墙"},
    "reach.app": {"en": "app wall", "zh": "应用墙"},
    "reach.error": {"en": "error", "zh": "错误"},
    "reach.blocked": {"en": "blocked", "zh": "被拦截"},
    "col.appeals": {"en": "appeals", "zh": "申诉"},
    "col.received": {"en": "received", "zh": "收到"},
    "col.changed": {"en": "led to a change", "zh": "促成更改"},
    "col.open": {"en": "open", "zh": "待处理"},
    "bucket.day": {"en": "day", "zh": "天"},
    "bucket.hour": {"en": "hour", "zh": "小时"},
    "chart.platform": {"en": "Actions by platform", "zh": "各平台的处理方式"},
    "chart.category": {"en": "Actions by category", "zh": "各类别的处理方式"},
    "chart.share": {"en": "share of decisions", "zh": "占全部决定的比例"},
    "chart.tooltip": {"en": "{label}: {count} ({share})", "zh": "{label}：{count}（{share}）"},
    "chart.disparity": {
        "en": "Disparity index per category (0% = every platform opened alike)",
        "zh": "各类别的差别对待指数（0% 表示所有平台一视同仁）",
    },
    "chart.disparity.axis": {
        "en": "largest gap in direct-open rate at one verdict level",
        "zh": "同一安全评估等级下直接打开率的最大差距",
    },
    "chart.time": {"en": "Decisions per {bucket}", "zh": "每{bucket}的决定数"},
    "chart.time.y": {"en": "decisions", "zh": "决定数"},
    "chart.time.x.day": {"en": "day (UTC)", "zh": "日期（UTC）"},
    "chart.time.x.hour": {"en": "hour (UTC)", "zh": "小时（UTC）"},
    "disparity.intro": {
        "en": "For each category: the largest gap, at one verdict level, between the direct-open rates of the "
        "most and least favoured platforms (platforms with at least {min} decisions at that level). Beside "
        "it, the static neutrality check of the policy for the same category.",
        "zh": "对每个类别：在同一安全评估等级下，最受优待与最不受优待的平台之间直接打开率的最大差距"
        "（只比较在该等级下至少有 {min} 次决定的平台）。旁边是同一类别下对策略的静态中立性检查。",
    },
    "listing.intro": {
        "en": "The same index between two groups: links to sites a platform file names (listed) and links to "
        "every other site (unlisted), each group needing at least {min} decisions at a level. A platform file "
        "is knowledge of how to read a platform's links, never trust; an unlisted link gets a category other "
        "than unknown only from its page's own structured data, so the decision counts of both groups are "
        "shown as well.",
        "zh": "在两组之间计算同一指数：平台数据文件收录的网站的链接（已收录）与其他所有网站的链接（未收录），"
        "每组在某一等级下至少需要 {min} 次决定。平台数据文件只说明如何解读该平台的链接，从不代表信任；"
        "未收录的链接只有依据其页面自身的结构化数据才会被归入「未知」以外的类别，因此也列出两组的决定次数。",
    },
    "policy.none": {
        "en": "The policy was not checked for neutrality in this report.",
        "zh": "本报告未对策略做中立性检查。",
    },
    "policy.head": {"en": "Policy {policy} (version {version}):", "zh": "策略 {policy}（版本 {version}）："},
    "policy.neutral": {
        "en": "neutral: every platform of a category, and an unlisted site of it, gets the same decision for "
        "the same inputs.",
        "zh": "中立：同一类别中的每个平台以及未收录的网站，在相同输入下得到相同的决定。",
    },
    "policy.not_neutral": {
        "en": "{n} input combinations treat platforms of one category differently (each from a justified rule).",
        "zh": "有 {n} 种输入组合对同一类别的平台区别对待（每一处都来自有安全理由的规则）。",
    },
    "col.platform": {"en": "platform", "zh": "平台"},
    "col.category": {"en": "category", "zh": "类别"},
    "col.total": {"en": "total", "zh": "合计"},
    "col.index": {"en": "index", "zh": "指数"},
    "col.widest": {"en": "widest at level", "zh": "差距最大的等级"},
    "col.policy_neutral": {"en": "policy neutral", "zh": "策略中立"},
    "col.policy_disparities": {"en": "policy disparities", "zh": "策略差异数"},
    "col.listed_rate": {"en": "listed open rate", "zh": "已收录直接打开率"},
    "col.unlisted_rate": {"en": "unlisted open rate", "zh": "未收录直接打开率"},
    "col.listed_n": {"en": "listed decisions", "zh": "已收录决定数"},
    "col.unlisted_n": {"en": "unlisted decisions", "zh": "未收录决定数"},
    "col.reason": {"en": "reason", "zh": "原因"},
    "col.code": {"en": "code", "zh": "代码"},
    "col.decisions": {"en": "decisions", "zh": "决定数"},
    "col.clicks": {"en": "clicks", "zh": "点击数"},
    "col.through": {"en": "went on", "zh": "继续访问"},
    "col.rate": {"en": "rate", "zh": "比例"},
    "col.start": {"en": "start (UTC)", "zh": "开始时间（UTC）"},
    "all": {"en": "all", "zh": "全部"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "none": {"en": "no data yet", "zh": "暂无数据"},
    "unlisted.platform": {"en": "other sites (unlisted)", "zh": "其他网站（未收录）"},
    "group.listed": {"en": "listed", "zh": "已收录"},
    "group.unlisted": {"en": "unlisted", "zh": "未收录"},
    "action.open": {"en": "open", "zh": "直接打开"},
    "action.confirm": {"en": "confirm", "zh": "先确认"},
    "action.copy": {"en": "copy only", "zh": "仅可复制"},
    "action.block": {"en": "block", "zh": "拦截"},
    "cat.ecommerce": {"en": "e\u2011commerce", "zh": "电商"},  # a non-breaking hyphen: one word in a narrow cell
    "cat.video": {"en": "video", "zh": "视频"},
    "cat.social": {"en": "social", "zh": "社交"},
    "cat.news": {"en": "news", "zh": "新闻"},
    "cat.qa": {"en": "questions and answers", "zh": "问答"},
    "cat.payment": {"en": "payment", "zh": "支付"},
    "cat.search": {"en": "search", "zh": "搜索"},
    "cat.tools": {"en": "tools", "zh": "工具"},
    "cat.unknown": {"en": "unknown", "zh": "未知"},
    "level.safe": {"en": "safe", "zh": "安全"},
    "level.unknown": {"en": "unknown", "zh": "未知"},
    "level.suspicious": {"en": "suspicious", "zh": "可疑"},
    "level.malicious": {"en": "malicious", "zh": "恶意"},
}


def rt(key: str, lang: ReportLang, **values: object) -> str:
    """The report string ``key`` in ``lang``, with ``{name}`` fields filled (the key itself if missing)."""
    entry = S.get(key)
    text = entry[lang] if entry else key
    return text.format(**values) if values else text


def name_of(kind: str, value: str, lang: ReportLang) -> str:
    """A category, action, level, group or reach in words (``kind`` is ``cat``, ``action``, ``level``, ``group``,
    ``reach``);
    a value this module does not know is shown as it is."""
    key = f"{kind}.{value}"
    return rt(key, lang) if key in S else value


@cache
def _platform_names() -> dict[str, tuple[str, str]]:
    from .core.platforms import bundled

    return {p.id: (p.name or p.id, p.name_zh or p.name or p.id) for p in bundled()}


def platform_name(pid: str, lang: ReportLang) -> str:
    """A platform's name from its data file in ``lang``; ``unknown`` (no platform) as the unlisted sites."""
    if pid == "unknown":
        return rt("unlisted.platform", lang)
    names = _platform_names().get(pid)
    if names is None:
        return pid
    return names[1] if lang == "zh" else names[0]


def parse_report_lang(value: str | None) -> ReportLang | None:
    """``en``/``zh`` (and regional forms such as ``zh-CN``) to a report language, else None."""
    primary = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return next((lang for lang in REPORT_LANGS if lang == primary), None)
