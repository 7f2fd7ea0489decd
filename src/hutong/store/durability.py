"""What an acknowledged audit event survives: the ``audit.durability`` setting, one name per choice.

The service records a decision's event before it answers (``Gateway.record``); the setting says
how far the event has got when the answer goes out. Each store turns it into its own terms:

=========  ================================  ===========================  ==============================
setting    answered after                    SQLite (WAL)                 PostgreSQL
=========  ================================  ===========================  ==============================
``sync``   the commit, on disk (fsync)       ``synchronous=FULL``         ``synchronous_commit=on``
``commit`` the commit, in the OS / server    ``synchronous=NORMAL``       ``synchronous_commit=off``
``queued`` the event is in the writer queue  ``synchronous=NORMAL``       ``synchronous_commit=off``
=========  ================================  ===========================  ==============================

and so an acknowledged event survives:

- ``sync``: a kill -9 of the worker, a crash of the operating system and a power cut (of the
  machine holding the SQLite file, or of the PostgreSQL server);
- ``commit`` (the default): a kill -9 of the worker (the committed transaction is in the SQLite WAL file or in
  the PostgreSQL server); not a crash or power cut of that machine, which may lose the commits
  since the last WAL sync (SQLite: since the last checkpoint; PostgreSQL: up to three
  ``wal_writer_delay``, 0.6 s by default). The database itself stays consistent either way;
- ``queued``: only a clean stop (the queue is written before the worker exits); a kill -9 loses
  the events still queued or being written (at most ``audit.queue_events``, normally one
  commit's worth), and a failed write can no longer reach the request: it is logged and
  ``/readyz`` reports it.

``docs/deploy.md`` explains the choice with figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True, slots=True)
class Durability:
    """One ``audit.durability`` setting."""

    name: str
    fsync: bool  # each commit waits until the database has written it to disk
    wait: bool  # a caller's record returns only once its commit has happened

    @classmethod
    def named(cls, name: str) -> Durability:
        """The setting called ``name``; ConfigError naming the choices for anything else."""
        for d in CHOICES:
            if d.name == name:
                return d
        raise ConfigError(
            f"audit.durability {name!r} is not one of {', '.join(repr(d.name) for d in CHOICES)} "
            "(see docs/deploy.md, 'What an acknowledged decision survives')"
        )


SYNC = Durability("sync", fsync=True, wait=True)
COMMIT = Durability("commit", fsync=False, wait=True)
QUEUED = Durability("queued", fsync=False, wait=False)
CHOICES = (SYNC, COMMIT, QUEUED)
DEFAULT = COMMIT  # survives a kill -9 (tests/store/test_durability.py); see docs/deploy.md for why
