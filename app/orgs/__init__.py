"""Regions (jurisdictions with their rule profiles) and enterprises."""

from app.orgs import models  # noqa: F401
