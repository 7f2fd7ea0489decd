"""The local internet fixtures for this test directory."""

from tests.support.localnet import localnet, localnet_server

__all__ = ["localnet", "localnet_server"]
