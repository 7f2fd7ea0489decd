"""``hutong keys``: operator API keys (create, list, revoke) and go-link signing-key rotation."""

from __future__ import annotations

import argparse
import time

from .. import signing
from ..service.apikeys import ApiKeys
from ._common import add_config_option, load_config
from ._output import console, print_rows

HELP = "manage the API keys operators send as `Authorization: Bearer KEY`, and the go-link signing keys"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help=HELP, description=HELP)
    add_config_option(p)
    actions = p.add_subparsers(dest="keys_command", metavar="ACTION")
    actions.required = True
    create = actions.add_parser(
        "create",
        help="create an API key and print it (the only time it is shown)",
        description="Create an API key named NAME and print it on standard output, alone on its line; only a "
        "hash is stored, so this is the only time it is shown.",
    )
    create.add_argument("name", help="a name for the key, e.g. the client that will use it")
    create.set_defaults(run=_create)
    listing = actions.add_parser(
        "list",
        help="list the API keys by name (never the keys themselves)",
        description="List the API keys by name and creation time, and the go-link signing keys by id.",
    )
    listing.set_defaults(run=_list)
    revoke = actions.add_parser(
        "revoke",
        help="revoke an API key; running servers stop accepting it at once",
        description="Revoke the API key named NAME; running servers stop accepting it at once.",
    )
    revoke.add_argument("name", help="the key's name, as `hutong keys list` shows")
    revoke.set_defaults(run=_revoke)
    rotate = actions.add_parser(
        "rotate-signing",
        help="start signing go-links with a new key; links signed before keep working",
        description="Add a new go-link signing key and make it the current one; links signed with older keys "
        "keep working until those keys are retired. Restart the server for it to sign with the new key.",
    )
    rotate.set_defaults(run=_rotate)
    retire = actions.add_parser(
        "retire-signing",
        help="remove an old signing key: go-links it signed stop working",
        description="Remove the signing key KID: every go-link it signed stops working. The current key "
        "cannot be retired; rotate first.",
    )
    retire.add_argument("kid", help="the key id, as `hutong keys list` shows")
    retire.set_defaults(run=_retire)


def _keys(args: argparse.Namespace) -> ApiKeys:
    return ApiKeys(load_config(args).data.dir)


def _create(args: argparse.Namespace) -> int:
    key = _keys(args).create(args.name)
    print(key)
    return 0


def _list(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    con = console()
    keys = [
        (item.name, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(item.created)))
        for item in ApiKeys(cfg.data.dir).list()
    ]
    if keys:
        print_rows(con, ("API key", "created"), keys)
    else:
        con.print("no API keys (hutong keys create NAME)")
    signer = signing.load_signer(cfg.data.dir)
    rows = [(kid, "signs new links (current)" if kid == signer.current else "verifies only") for kid in signer.kids]
    print_rows(con, ("signing key", "use"), rows)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    _keys(args).revoke(args.name)
    print(f"revoked {args.name}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    kid = signing.rotate(load_config(args).data.dir)
    print(f"new signing key {kid}; restart the server for it to sign new links")
    return 0


def _retire(args: argparse.Namespace) -> int:
    signing.retire(load_config(args).data.dir, args.kid)
    print(f"retired signing key {args.kid}; restart the server for it to take effect")
    return 0
