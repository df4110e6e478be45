"""Users (用户), their memberships in enterprises with a role, and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import UTCDateTime, utcnow
from app.extensions import db


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(), method=method)


def check_decoy_password(password: str) -> None:
    """Check a password against a hash of nothing, made once with the configured method: a
    sign-in with an unknown or inactive username then costs what a real one does, so its time
    does not tell which usernames exist."""
    check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


class Role(StrEnum):
    """A user's role in one enterprise (DESIGN §5)."""

    UNION_REP = "union_rep"  # 工会代表
    EMPLOYER_REP = "employer_rep"  # 企业方代表
    DELEGATE = "delegate"  # 职工代表
    CONGRESS_SECRETARY = "congress_secretary"  # 职代会秘书


class GlobalRole(StrEnum):
    FEDERATION_ADMIN = "federation_admin"  # 总工会管理员: every enterprise, read-mostly
    LABOUR_OFFICER = "labour_officer"  # 劳动行政部门审查员: contracts filed in their region


# What each role reads as on a page, in a form and in a notification.
ROLE_LABELS = {
    Role.UNION_REP: _l("Union representative"),
    Role.EMPLOYER_REP: _l("Employer representative"),
    Role.DELEGATE: _l("Worker delegate"),
    Role.CONGRESS_SECRETARY: _l("Congress secretary"),
}
GLOBAL_ROLE_LABELS = {
    GlobalRole.FEDERATION_ADMIN: _l("Federation administrator"),
    GlobalRole.LABOUR_OFFICER: _l("Labour officer"),
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"global_role IS NULL OR {_in('global_role', GlobalRole)}", "global_role"),
        CheckConstraint(
            "global_role IS NULL OR global_role != 'labour_officer' OR region_id IS NOT NULL",
            "labour_officer_has_region",
        ),
        CheckConstraint("locale IN ('zh', 'en')", "locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    global_role: Mapped[str | None] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The password was set by someone else (an administrator's reset or the account's creation):
    # the person must set one only they know before anything else, and no signing key is issued
    # under it (电子签名法 Art 13: 电子签名制作数据仅归电子签名人控制).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Part of every session's and remember cookie's user id: raised to end them all at once
    # (sign-out, a password change or reset), which a signed cookie cannot be otherwise.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    region = relationship("Region")

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def get_id(self) -> str:
        """The id flask-login keeps in the session and the remember cookie."""
        return f"{self.id}.{self.session_epoch}"

    def end_sessions(self) -> None:
        """End every session and remember cookie of this person (from the next request)."""
        self.session_epoch += 1

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_federation_admin(self) -> bool:
        return self.global_role == GlobalRole.FEDERATION_ADMIN

    @property
    def is_labour_officer(self) -> bool:
        return self.global_role == GlobalRole.LABOUR_OFFICER

    def roles_in(self, enterprise_id: int) -> set[Role]:
        return {Role(m.role) for m in self.memberships if m.enterprise_id == enterprise_id}

    def has_role(self, enterprise_id: int, *roles: Role) -> bool:
        return bool(self.roles_in(enterprise_id) & set(roles))

    @property
    def enterprise_ids(self) -> set[int]:
        return {m.enterprise_id for m in self.memberships}


class Membership(db.Model):
    """A user's role in an enterprise (成员资格)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "enterprise_id", "role"),
        CheckConstraint(_in("role", Role), "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    enterprise = relationship("Enterprise", back_populates="memberships")


class ApiToken(db.Model):
    """A personal access token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class SigningAuthority(db.Model):
    """This deployment's own certificate authority (签名证书颁发机构): it certifies every signer's
    key. Its private key is stored encrypted under the configured passphrase
    (ACCORD_CA_PASSPHRASE); one row, created by `flask accord init-ca` or on first use."""

    __tablename__ = "signing_authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_pem: Mapped[bytes] = mapped_column(LargeBinary)
    encrypted_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(db.Model):
    """A person's signing key pair and certificate (个人签名密钥与证书). The private key is
    encrypted under a key derived from the person's password, so only they can use it, by
    re-entering the password when they sign. A new key replaces the old one (`retired_at`);
    signatures made with the old one stay valid, since its certificate was valid when they were
    made."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        # One key in use per person.
        Index(
            "uq_signing_keys_user_in_use",
            "user_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("signing_authorities.id"))
    cert_pem: Mapped[bytes] = mapped_column(LargeBinary)
    encrypted_key: Mapped[bytes] = mapped_column(LargeBinary)
    serial: Mapped[str] = mapped_column(String(48), unique=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
