"""The audit log: one event per state change, hash-chained per subject."""

from app.audit import models  # noqa: F401
