"""Negotiations: the written request, representatives, wage grids, rounds and the draft."""

from app.negotiations import models  # noqa: F401
