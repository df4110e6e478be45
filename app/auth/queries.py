"""Reads about people: who holds a role in an enterprise."""

from sqlalchemy import select

from app.auth.models import Membership, Role, User
from app.extensions import db


def members(enterprise_id: int, *roles: Role) -> list[User]:
    """The active members of the enterprise who hold any of `roles` (each once)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership)
            .where(
                Membership.enterprise_id == enterprise_id,
                Membership.role.in_([r.value for r in roles]),
                User.active.is_(True),
            )
            .distinct()
        )
    )
