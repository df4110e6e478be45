"""Users, memberships, roles, sign-in and API tokens."""

from app.auth import models  # noqa: F401
