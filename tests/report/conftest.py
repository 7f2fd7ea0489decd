"""Report tests run on both store backends, like the store suite."""

from tests.store.conftest import open_store, store

__all__ = ["open_store", "store"]
