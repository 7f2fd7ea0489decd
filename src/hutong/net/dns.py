"""Resolve a host once and vet every answer; the fetcher then connects to the vetted address only."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from ..errors import BlockedAddress, NetworkFailure
from .addresses import AddressPolicy, IPAddress, parse_ip

Resolve = Callable[[str, int], Awaitable[list[str]]]

MAX_ANSWERS = 64


async def system_resolve(host: str, port: int) -> list[str]:
    """The system resolver (getaddrinfo), as a list of address strings."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NetworkFailure(f"the name {host!r} could not be resolved ({exc}); check the link") from exc
    return [str(info[4][0]) for info in infos]


async def vetted_address(host: str, port: int, resolve: Resolve, policy: AddressPolicy, *, shown: str) -> str:
    """The one address to connect to for ``host``; BlockedAddress if ANY answer is refused.

    ``shown`` is the host name the user asked for, used in messages (it differs from ``host``
    when ``network.connect_to`` redirects the connection).
    """
    literal = parse_ip(host)
    if literal is not None:
        return _check([literal], policy, shown)
    try:
        answers = await resolve(host, port)
    except OSError as exc:
        raise NetworkFailure(f"the name {host!r} could not be resolved ({exc}); check the link") from exc
    addresses: list[IPAddress] = []
    for answer in answers[:MAX_ANSWERS]:
        ip = parse_ip(answer)
        if ip is None:
            raise NetworkFailure(f"the resolver answered {answer!r} for {host!r}, which is not an address")
        addresses.append(ip)
    if not addresses:
        raise NetworkFailure(f"the name {host!r} has no address")
    return _check(addresses, policy, shown)


def _check(addresses: list[IPAddress], policy: AddressPolicy, shown: str) -> str:
    # Every answer is checked, not just the one used: a name that answers one public and one
    # private address is a rebinding setup, and the socket layer might pick either.
    for ip in addresses:
        why = policy.refusal(ip)
        if why is not None:
            raise BlockedAddress(refusal_message(shown, ip, why))
    return str(addresses[0])


def refusal_message(shown: str, ip: IPAddress, why: str) -> str:
    """The sentence a BlockedAddress carries: what was asked for, where it leads and why that is refused."""
    lead = why if parse_ip(shown) == ip else f"{shown} leads to {ip}, and {why}"
    return f"{lead}; hutong refused to connect, as it fetches only from public addresses."
