"""Subcommands of the ``hutong`` CLI, one module each (see ``hutong.cli``)."""
