"""The floor of ``bench/service.py``: one bare Starlette JSON route, run under hutong's own uvicorn options.

It reads the request body (as ``/v1/check`` must) and answers a small JSON object; nothing else. The
benchmark serves it with the same uvicorn options, protocol and worker count as ``hutong serve``,
so the ratio of a hutong route to this one is the cost of hutong, not of the server or the machine.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def bare(request: Request) -> JSONResponse:
    """Read the body, answer a constant JSON object."""
    await request.body()
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/bare", bare, methods=["GET", "POST"])])
