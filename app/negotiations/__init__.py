"""Negotiations: the written request, representatives, rounds with their wage-grid proposals and
the draft."""

from app.negotiations import models  # noqa: F401
