"""The I/O edge that talks to the internet: one guarded fetcher, short-link resolution, charset decoding."""
