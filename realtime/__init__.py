"""Voicenter realtime: wire format, typed events, reducer (pure) and the Redis store (I/O)."""
