"""Lagebild: local risk situation picture for municipal crisis teams (open drug scenes)."""

__version__ = "0.1.0"
