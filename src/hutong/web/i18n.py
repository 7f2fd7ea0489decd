"""Page strings in English and Chinese, and choosing between them.

The language is ``?lang=`` if given (and then remembered in a cookie), else the cookie,
else the best match in ``Accept-Language``, else English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
COOKIE = "hutong_lang"

STRINGS: Mapping[str, Mapping[Lang, str]] = {
    "site.name": {"en": "hutong link check", "zh": "胡同 链接检查"},
    "lang.switch": {"en": "中文", "zh": "English"},
    "lang.switch.label": {"en": "Language", "zh": "语言"},
    "dev.mode": {
        "en": "Development mode: no API keys are configured, so the API accepts calls without a key "
        "from this machine only. Create one with `hutong keys create NAME`.",
        "zh": "开发模式：尚未配置 API 密钥，仅接受本机的无密钥调用。"
        "使用 `hutong keys create NAME` 创建密钥。",
    },
    "play.title": {"en": "Check the links in a message", "zh": "检查消息中的链接"},
    "play.intro": {
        "en": "Paste a chat message. hutong finds every link, cleans it, says what it is and decides "
        "whether it opens, asks first, can only be copied, or is blocked.",
        "zh": "粘贴一条聊天消息。胡同会找出每个链接，清理追踪参数，识别它是什么，"
        "并决定直接打开、先确认、只能复制还是拦截。",
    },
    "play.message": {"en": "Message", "zh": "消息"},
    "play.context": {"en": "Where it was sent", "zh": "发送场景"},
    "play.mode": {"en": "Your mode", "zh": "您的模式"},
    "play.mode.default": {"en": "operator default", "zh": "运营方默认"},
    "play.preview": {"en": "Fetch previews (resolves short links)", "zh": "获取预览（展开短链接）"},
    "play.submit": {"en": "Check links", "zh": "检查链接"},
    "play.offline": {
        "en": "This server has API keys. Without one the playground checks offline only: it follows no "
        "short links, builds no previews and makes no go-links. Enter a key below to do those.",
        "zh": "本服务器已配置 API 密钥。未提供密钥时，演示页只做离线检查：不展开短链接、不生成预览、"
        "也不生成跳转链接。在下方输入密钥即可使用这些功能。",
    },
    "play.key": {"en": "API key (optional)", "zh": "API 密钥（可选）"},
    "play.key.help": {
        "en": "From `hutong keys create NAME`. hutong does not store it; it stays in this form for the next check.",
        "zh": "由 `hutong keys create NAME` 创建。胡同不会保存它；它会留在此表单中供下次检查使用。",
    },
    "play.key.invalid": {
        "en": "Unknown or revoked API key: nothing was checked. Leave the field empty to check offline.",
        "zh": "API 密钥无效或已被吊销：未进行检查。留空即可离线检查。",
    },
    "play.none": {"en": "No links found in this message.", "zh": "此消息中没有找到链接。"},
    "play.results": {"en": "Links found", "zh": "找到的链接"},
    "ctx.direct": {"en": "one-to-one chat", "zh": "单聊"},
    "ctx.group": {"en": "group chat", "zh": "群聊"},
    "ctx.channel": {"en": "channel", "zh": "频道"},
    "mode.direct": {"en": "direct: open safe links", "zh": "直接：安全链接直接打开"},
    "mode.confirm": {"en": "confirm: always ask first", "zh": "确认：总是先询问"},
    "mode.strict": {"en": "strict: copy unless known safe", "zh": "严格：非已知安全只能复制"},
    "action.open": {"en": "Opens", "zh": "直接打开"},
    "action.confirm": {"en": "Asks first", "zh": "先确认"},
    "action.copy": {"en": "Copy only", "zh": "仅可复制"},
    "action.block": {"en": "Blocked", "zh": "已拦截"},
    "field.found": {"en": "Found as", "zh": "原文"},
    "field.url": {"en": "Cleaned link", "zh": "清理后的链接"},
    "field.removed": {"en": "Removed parameters", "zh": "已移除的参数"},
    "field.site": {"en": "Site", "zh": "网站"},
    "field.platform": {"en": "Platform", "zh": "平台"},
    "field.kind": {"en": "Kind", "zh": "类型"},
    "field.category": {"en": "Category", "zh": "类别"},
    "field.verdict": {"en": "Safety verdict", "zh": "安全评估"},
    "field.reason": {"en": "Why", "zh": "原因"},
    "field.evidence": {"en": "Evidence", "zh": "证据"},
    "field.rule": {"en": "Policy rule", "zh": "策略规则"},
    "field.go": {"en": "Go-link", "zh": "跳转链接"},
    "field.card": {"en": "Preview", "zh": "预览"},
    "card.truncated": {
        "en": "This preview was made from the first part of a long page (cut at the size limit).",
        "zh": "此预览仅依据长页面的前一部分生成（超出大小上限的部分未读取）。",
    },
    "cat.ecommerce": {"en": "e-commerce", "zh": "电商"},
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
    "confirm.title": {"en": "You are leaving the chat", "zh": "即将离开聊天"},
    "confirm.lead": {"en": "This link goes to", "zh": "此链接将前往"},
    "confirm.continue": {"en": "Continue to the site", "zh": "继续访问"},
    "copy.button": {"en": "Copy link", "zh": "复制链接"},
    "copy.done": {"en": "Copied", "zh": "已复制"},
    "copy.title": {"en": "This link can only be copied", "zh": "此链接只能复制"},
    "copy.lead": {
        "en": "It cannot be opened from here. Copy it and open it yourself if you trust it.",
        "zh": "无法从这里打开。如果您信任它，请复制后自行打开。",
    },
    "go.unkeyed": {
        "en": "This link was made without an API key (in development mode, or by an older version), so "
        "this server does not open it. Copy it and open it yourself if you trust it.",
        "zh": "此链接是在没有 API 密钥的情况下生成的（开发模式或旧版本），因此本服务器不会打开它。"
        "如果您信任它，请复制后自行打开。",
    },
    "copy.label": {"en": "The link", "zh": "链接"},
    "block.title": {"en": "This link is blocked", "zh": "此链接已被拦截"},
    "block.lead": {
        "en": "hutong will not open this link because it is likely to harm you.",
        "zh": "胡同不会打开此链接，因为它很可能对您造成危害。",
    },
    "block.report": {
        "en": "Think this is a mistake? Tell the operator of this chat service, quoting the codes below.",
        "zh": "认为有误？请联系本聊天服务的运营方，并附上下面的代码。",
    },
    "block.codes": {"en": "Codes", "zh": "代码"},
    "error.title": {"en": "This link does not work", "zh": "此链接无效"},
    "error.expired": {"en": "This link has expired", "zh": "此链接已过期"},
    "error.lead": {
        "en": "hutong only redirects links it signed itself, so it will not follow this one.",
        "zh": "胡同只会跳转由它自己签名的链接，因此不会打开此链接。",
    },
    "error.code": {"en": "Error code", "zh": "错误代码"},
    "error.back": {"en": "Check a message", "zh": "检查消息"},
    "err.token.malformed": {
        "en": "This is not a hutong link: it is incomplete or was changed.",
        "zh": "这不是有效的胡同链接：链接不完整或已被修改。",
    },
    "err.token.bad_signature": {
        "en": "This link has been altered: its signature does not match.",
        "zh": "此链接已被篡改：签名不匹配。",
    },
    "err.token.unknown_key": {
        "en": "This link was signed with a key this server does not have "
        "(another server's link, or a retired key).",
        "zh": "此链接的签名密钥不属于本服务器（可能来自其他服务器，或密钥已停用）。",
    },
    "rate.title": {"en": "Too many requests", "zh": "请求过于频繁"},
    "rate.message": {
        "en": "Your address made more than {limit} requests a minute to these pages. "
        "Try again in {seconds} seconds.",
        "zh": "您的地址每分钟对这些页面的请求超过 {limit} 次。请在 {seconds} 秒后重试。",
    },
    "rate.lead": {
        "en": "Each address may make a limited number of requests without an API key, so that nobody can "
        "use this server up for everyone else.",
        "zh": "未提供 API 密钥时，每个地址的请求次数有限，以免有人独占本服务器。",
    },
    "err.confirm.missing": {
        "en": "Please confirm again: continuing works only from the confirm page in this browser, with "
        "cookies allowed for this site.",
        "zh": "请重新确认：只能在本浏览器的确认页面上继续，并且需要允许本网站的 Cookie。",
    },
    "err.confirm.expired": {
        "en": "That confirmation expired. Please confirm again.",
        "zh": "该确认已过期，请重新确认。",
    },
    "err.confirm.invalid": {
        "en": "That was not a confirmation from this page. Please confirm again.",
        "zh": "这不是来自本页面的确认，请重新确认。",
    },
    "err.confirm.mismatch": {
        "en": "That confirmation was for another link or browser. Please confirm again.",
        "zh": "该确认属于其他链接或浏览器，请重新确认。",
    },
    "err.confirm.cross_site": {
        "en": "The confirmation came from another site. Please confirm again on this page.",
        "zh": "该确认来自其他网站，请在本页面重新确认。",
    },
    "err.token.expired": {
        "en": "This link has expired. Ask the sender to share it again.",
        "zh": "此链接已过期，请让发送者重新分享。",
    },
    # kinds of content (hutong.core.model.KINDS)
    "kind.product": {"en": "product", "zh": "商品"},
    "kind.video": {"en": "video", "zh": "视频"},
    "kind.note": {"en": "note", "zh": "笔记"},
    "kind.article": {"en": "article", "zh": "文章"},
    "kind.answer": {"en": "answer", "zh": "回答"},
    "kind.question": {"en": "question", "zh": "问题"},
    "kind.profile": {"en": "profile", "zh": "个人主页"},
    "kind.live": {"en": "live stream", "zh": "直播"},
    "kind.shop": {"en": "shop", "zh": "店铺"},
    "kind.post": {"en": "post", "zh": "帖子"},
    "kind.promo": {"en": "promotion", "zh": "促销活动"},
    # reasons and evidence in words (hutong.web.wording)
    "why.screen.clear": {
        "en": "Checked against {count} threat feed(s) ({feeds}) and hutong's own checks: nothing was found.",
        "zh": "已对照 {count} 个威胁情报源（{feeds}）并经胡同自身检查，未发现问题。",
    },
    "why.screen.feeds_stale": {
        "en": "The threat feeds of this service are out of date, so finding nothing in them says little.",
        "zh": "本服务的威胁情报已过期，未命中并不代表安全。",
    },
    "why.screen.no_feeds": {
        "en": "This service has no threat feed loaded, so nothing says whether this link is harmful.",
        "zh": "本服务未加载威胁情报，无法判断此链接是否有害。",
    },
    "why.feed": {
        "en": "The threat feed {feed} lists this link as harmful.",
        "zh": "威胁情报源 {feed} 将此链接列为有害链接。",
    },
    "why.feed.threat": {
        "en": "The threat feed {feed} lists this link as {threat}.",
        "zh": "威胁情报源 {feed} 将此链接列为{threat}。",
    },
    "why.operator.allow": {
        "en": "The operator of this service trusts {item}.",
        "zh": "本服务的运营方信任 {item}。",
    },
    "why.operator.deny": {
        "en": "The operator of this service blocks {item}.",
        "zh": "本服务的运营方已禁止 {item}。",
    },
    "why.lookalike": {
        "en": "{host} pretends to be {target}, but it is another site.",
        "zh": "{host} 冒充 {target}，但它是另一个网站。",
    },
    "fact.feed.entry": {"en": "It is entry {entry} of the feed.", "zh": "对应该情报源的第 {entry} 条。"},
    "fact.feed.entry_added": {
        "en": "It is entry {entry} of the feed, added {added}.",
        "zh": "对应该情报源的第 {entry} 条，收录于 {added}。",
    },
    "fact.feed.target": {"en": "It imitates {target}.", "zh": "它冒充的是 {target}。"},
    "fact.feed.age": {
        "en": "The feed was last updated {hours} hours ago.",
        "zh": "该情报源于 {hours} 小时前更新。",
    },
    "fact.feed.fresh": {
        "en": "The feed was updated within the last hour.",
        "zh": "该情报源在一小时内更新过。",
    },
    "fact.feed.stale": {
        "en": "The feed was last updated {hours} hours ago, longer than this service relies on it for: "
        "it only warns.",
        "zh": "该情报源于 {hours} 小时前更新，已超出本服务的信任期限，因此仅作提醒。",
    },
    "field.title": {"en": "Title in the share", "zh": "分享标题"},
    "field.address": {"en": "Address", "zh": "网址"},
    "field.imitates": {"en": "Looks like", "zh": "冒充"},
    "codes.title": {"en": "Codes for the operator", "zh": "供运营方参考的代码"},
    "warn.title": {"en": "This link may be dangerous", "zh": "此链接可能有危险"},
    "warn.lead": {
        "en": "Pages like this are often made to steal passwords, money or personal data.",
        "zh": "这类网页常被用来骗取密码、钱财或个人信息。",
    },
    "warn.back": {"en": "Back to safety", "zh": "返回安全页面"},
    "warn.details": {"en": "Details, and continuing anyway", "zh": "详情，以及仍要继续访问"},
    "warn.proceed": {
        "en": "Continue only if you know this site and are sure the link is the one you expect.",
        "zh": "只有在您了解此网站、并确定这正是您要打开的链接时，才继续访问。",
    },
    "warn.continue": {"en": "Continue to this site anyway", "zh": "仍然继续访问"},
    "back.title": {"en": "You did not open the link", "zh": "您没有打开此链接"},
    "back.lead": {
        "en": "Nothing was opened. You can close this tab and go back to your chat.",
        "zh": "没有打开任何网页。您可以关闭此标签页，返回聊天。",
    },
    "copy.code.label": {"en": "The code", "zh": "口令"},
    "copy.code.button": {"en": "Copy code", "zh": "复制口令"},
    "appeal.link": {"en": "Report a mistake", "zh": "报告误判"},
    "appeal.offer": {
        "en": "Think this is a mistake? Tell the operator of this service.",
        "zh": "认为判断有误？请告知本服务的运营方。",
    },
    "appeal.title": {"en": "Report a mistake", "zh": "报告误判"},
    "appeal.lead": {
        "en": "Tell the operator of this service why you think this link was judged wrongly. The report is "
        "about the link below, taken from the page you came from.",
        "zh": "请告诉本服务的运营方，您为什么认为此链接被误判。报告针对的是下面这个链接，它取自您刚才所在的页面。",
    },
    "appeal.decision": {"en": "What hutong decided", "zh": "胡同的判断"},
    "appeal.message": {"en": "What is wrong? (optional)", "zh": "哪里有误？（可选）"},
    "appeal.message.help": {
        "en": "For example: this is my company's site, or: I know the sender and the page.",
        "zh": "例如：这是我公司的网站；或者：我认识发送者，也了解这个网页。",
    },
    "appeal.contact": {"en": "How can the operator reach you? (optional)", "zh": "运营方如何联系您？（可选）"},
    "appeal.contact.help": {
        "en": "An e-mail address or chat name, if you want an answer. Only the operator sees it.",
        "zh": "如果您希望得到答复，请留下电子邮箱或聊天账号。只有运营方能看到。",
    },
    "appeal.submit": {"en": "Send the report", "zh": "提交报告"},
    "appeal.sent.title": {"en": "Thank you: your report was sent", "zh": "谢谢：您的报告已提交"},
    "appeal.sent.lead": {
        "en": "The operator will look at it. If they find the link is safe, it will open normally for everyone.",
        "zh": "运营方会进行核查。如果确认此链接是安全的，所有人都将可以正常打开它。",
    },
    "appeal.number": {"en": "Report number", "zh": "报告编号"},
    "appeal.off": {
        "en": "This server does not take reports (its audit log is off). Tell its operator another way.",
        "zh": "本服务器不接受报告（审计日志已关闭）。请通过其他方式联系运营方。",
    },
    "appeal.off.title": {"en": "Reports are off", "zh": "报告功能已关闭"},
    "appeal.unkeyed": {
        "en": "This link was made without an API key, so this server takes no report about it.",
        "zh": "此链接是在没有 API 密钥的情况下生成的，因此本服务器不接受对它的报告。",
    },
    "appeal.cross_site": {
        "en": "The report came from another site. Please send it from the report page on this site.",
        "zh": "该报告来自其他网站。请在本网站的报告页面提交。",
    },
    "appeal.too_long": {
        "en": "That is too long: at most {limit} characters. Please shorten it.",
        "zh": "内容过长：最多 {limit} 个字符，请缩短。",
    },
    "appeal.rate.message": {
        "en": "Your address sent more than {limit} reports this hour. Try again in {minutes} minutes.",
        "zh": "您的地址在本小时内提交的报告已超过 {limit} 份。请在 {minutes} 分钟后重试。",
    },
    "appeal.rate.lead": {
        "en": "Each address may send a few reports an hour, so that the operator can read them all.",
        "zh": "每个地址每小时只能提交少量报告，以便运营方能够逐一阅读。",
    },
    "appeal.unavailable": {
        "en": "The report could not be stored just now. Please try again in a few minutes.",
        "zh": "暂时无法保存报告，请几分钟后重试。",
    },
    "ops.title": {"en": "Reported mistakes", "zh": "误判报告"},
    "ops.lead": {
        "en": "Reports that visitors sent from block and warning pages. Allowing a site adds it to the "
        "operator allowlist: it is then screened as safe, in every worker within a minute.",
        "zh": "访客从拦截页和警告页提交的报告。允许某个网站会将其加入运营方允许名单："
        "此后它将被视为安全，并在一分钟内对所有工作进程生效。",
    },
    "ops.key": {"en": "API key", "zh": "API 密钥"},
    "ops.key.help": {
        "en": "This page needs an API key from `hutong keys create NAME`; it is not stored.",
        "zh": "此页面需要由 `hutong keys create NAME` 创建的 API 密钥；密钥不会被保存。",
    },
    "ops.key.invalid": {"en": "Unknown or revoked API key.", "zh": "API 密钥无效或已被吊销。"},
    "ops.show": {"en": "Show", "zh": "显示"},
    "ops.show.open": {"en": "open reports", "zh": "待处理的报告"},
    "ops.show.all": {"en": "all reports", "zh": "全部报告"},
    "ops.open": {"en": "Open the reports", "zh": "查看报告"},
    "ops.none": {"en": "No reports.", "zh": "没有报告。"},
    "ops.filed": {"en": "Filed", "zh": "提交时间"},
    "ops.status": {"en": "Status", "zh": "状态"},
    "ops.status.open": {"en": "open", "zh": "待处理"},
    "ops.status.allowed": {"en": "allowed: the decision changed", "zh": "已允许：判断已更改"},
    "ops.status.dismissed": {"en": "dismissed", "zh": "已驳回"},
    "ops.decision": {"en": "Decision", "zh": "判断"},
    "ops.message": {"en": "Visitor's words", "zh": "访客留言"},
    "ops.contact": {"en": "Contact", "zh": "联系方式"},
    "ops.evidence": {"en": "Evidence as recorded", "zh": "记录的证据"},
    "ops.allow": {"en": "Allow {item}", "zh": "允许 {item}"},
    "ops.dismiss": {"en": "Dismiss", "zh": "驳回"},
    "ops.settled": {"en": "Settled {at} by {by}: {note}", "zh": "{at} 由 {by} 处理：{note}"},
    "ops.done.allowed": {
        "en": "Report {id}: {item} is now on the operator allowlist.",
        "zh": "报告 {id}：{item} 已加入运营方允许名单。",
    },
    "ops.done.dismissed": {"en": "Report {id} dismissed.", "zh": "报告 {id} 已驳回。"},
    "ops.done.removed": {
        "en": "{item} is no longer on the operator allowlist.",
        "zh": "{item} 已从运营方允许名单中移除。",
    },
    "ops.allowlist": {"en": "Operator allowlist", "zh": "运营方允许名单"},
    "ops.allowlist.lead": {
        "en": "Sites allowed from this page (the configuration's safety.allow is not listed here).",
        "zh": "从本页面允许的网站（配置文件中的 safety.allow 不在此列出）。",
    },
    "ops.allowlist.none": {"en": "No site allowed from this page yet.", "zh": "尚未从本页面允许任何网站。"},
    "ops.remove": {"en": "Remove", "zh": "移除"},
    "appeal.owner": {
        "en": "Site owners can also ask the threat feed that lists it to review the entry.",
        "zh": "网站所有者也可以请求相应的威胁情报源复核该条目。",
    },
}


def t(key: str, lang: Lang) -> str:
    """The string ``key`` in ``lang`` (the key itself if missing, so a gap shows rather than crashes)."""
    entry = STRINGS.get(key)
    return entry[lang] if entry else key


def parse_lang(value: str | None) -> Lang | None:
    """``zh``/``en`` (and regional forms like ``zh-CN``) to a supported language, else None."""
    if not value:
        return None
    primary = value.strip().lower().split("-")[0].split("_")[0]
    for lang in LANGS:
        if primary == lang:
            return lang
    return None


def from_accept_language(header: str | None) -> Lang | None:
    """The supported language with the highest q in an ``Accept-Language`` header."""
    if not header:
        return None
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        # higher q wins; among equal q, the earlier entry wins
        if q > 0 and (best is None or q > best[0] or (q == best[0] and position < best[1])):
            best = (q, position, lang)
    return best[2] if best else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """The page language: query, then cookie, then Accept-Language, then English."""
    return parse_lang(query) or parse_lang(cookie) or from_accept_language(accept_language) or "en"
