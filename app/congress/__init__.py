"""The workers' congress: delegates, sessions and attendance, motions, secret ballots, tallies."""

from app.congress import models  # noqa: F401
