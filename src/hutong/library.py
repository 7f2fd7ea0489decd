"""The library's one-call entry points: ``hutong.check`` and ``hutong.check_async``.

Both use the engine for the default configuration, loaded once per process (platforms, rules,
feeds), unless given one. An online call opens a network edge (fetcher, cache) for that call
and closes it before returning, so the call leaves nothing open; pass your own ``Engine`` to
``check_async`` to keep its connections and resolution cache across calls, and close it with
``await engine.aclose()`` when done.
"""

from __future__ import annotations

import asyncio
import dataclasses

from .core.model import Context, LinkReport, Mode, UserPrefs, require_context_and_mode
from .errors import UsageError
from .pipeline import Engine, default_engine


def check(
    text: str,
    *,
    context: Context = "direct",
    mode: Mode | None = None,
    prefs: UserPrefs | None = None,
    online: bool = False,
    preview: bool = False,
    engine: Engine | None = None,
) -> tuple[LinkReport, ...]:
    """Find every link in ``text``, clean, identify, screen and decide it: one ``LinkReport`` per link.

    Offline unless ``online`` (resolve short links) or ``preview`` (also build preview cards) is
    set. ``context`` is where the message was posted; ``mode`` or ``prefs`` are the reader's own
    choice (``mode`` wins); any other context or mode is an ``InputError``. Inside a running event
    loop only an offline check can be called this way: ``await check_async(...)`` there.

    >>> text = "【哔哩哔哩】 https://www.bilibili.com/video/BV1xx411c7mD?spm_id_from=333&vd_source=abc"
    >>> (report,) = check(text)
    >>> report.url, report.identity.platform, report.removed
    ('https://www.bilibili.com/video/BV1xx411c7mD', 'bilibili', ('spm_id_from', 'vd_source'))
    >>> report.verdict.codes, report.decision.rule  # no threat feed imported yet: nothing is "safe"
    (('screen.no_feeds',), 'policy.unknown.confirm')
    >>> check(text, context="group", mode="confirm")[0].decision.rule
    'policy.mode.confirm'
    >>> check(text, context="group", prefs=UserPrefs(always_open=("bilibili.com",)))[0].decision.rule
    'policy.trusted.open'
    """
    require_context_and_mode(context, mode)
    chosen = engine or default_engine()
    if not (online or preview):
        return chosen.analyse(text, context=context, prefs=prefs, mode=mode)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise UsageError(
            "hutong.check(online=True) cannot run inside a running event loop; use `await hutong.check_async(...)`"
        )
    # the edge's connections belong to the loop asyncio.run makes: close them before it ends
    return asyncio.run(
        _online_once(_with_own_edge(chosen), text, context=context, mode=mode, prefs=prefs, preview=preview)
    )


async def check_async(
    text: str,
    *,
    context: Context = "direct",
    mode: Mode | None = None,
    prefs: UserPrefs | None = None,
    online: bool = False,
    preview: bool = False,
    engine: Engine | None = None,
) -> tuple[LinkReport, ...]:
    """``check`` for async code; with ``online`` or ``preview``, the network work runs on the caller's loop.

    Without ``engine``, an online call opens a network edge for this call only and closes it;
    with ``engine``, the engine's own edge is used and stays open for the next call.

    >>> import asyncio
    >>> reports = asyncio.run(check_async("https://paypa1.com/login", mode="strict"))
    >>> [(r.verdict.level.label, r.decision.action.value) for r in reports]
    [('suspicious', 'copy')]
    """
    require_context_and_mode(context, mode)
    if not (online or preview):
        return (engine or default_engine()).analyse(text, context=context, prefs=prefs, mode=mode)
    if engine is not None:
        return await engine.analyse_online(text, context=context, prefs=prefs, mode=mode, preview=preview)
    return await _online_once(
        _with_own_edge(default_engine()), text, context=context, mode=mode, prefs=prefs, preview=preview
    )


def _with_own_edge(engine: Engine) -> Engine:
    """``engine``'s loaded data with a network edge of its own, so closing it closes nothing shared."""
    return dataclasses.replace(engine, _edge=None)


async def _online_once(
    engine: Engine, text: str, *, context: Context, mode: Mode | None, prefs: UserPrefs | None, preview: bool
) -> tuple[LinkReport, ...]:
    try:
        return await engine.analyse_online(text, context=context, prefs=prefs, mode=mode, preview=preview)
    finally:
        await engine.aclose()
