"""hutong (互通): an open, self-hostable link layer for chat and community platforms."""

__version__ = "0.1.0"
