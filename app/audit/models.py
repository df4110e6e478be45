"""Audit events (审计日志), chained by SHA-256 per subject (DESIGN §8)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db

GENESIS = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # seq numbers a subject's chain; two writers racing for the same link collide here.
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "seq"),
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    seq: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")

    def compute_hash(self) -> str:
        """SHA-256 over this event's content and the previous event's hash."""
        content = {
            "subject": [self.subject_type, self.subject_id, self.seq],
            "at": self.created_at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "action": self.action,
            "from": self.from_state,
            "to": self.to_state,
            "data": self.data,
            "prev": self.prev_hash,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditHead(db.Model):
    """Where each subject's chain ends (链头): its length and last hash, with a MAC under a key
    derived from SECRET_KEY, which the database does not hold. Deleting a chain's tail, or the
    whole chain, or rewriting events with recomputed hashes leaves a head that no longer matches
    — and a copy of the database cannot forge a new one (DESIGN §8)."""

    __tablename__ = "audit_heads"

    subject_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    length: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


def head_mac(key: bytes, subject_type: str, subject_id: int, length: int, head_hash: str) -> str:
    message = f"{subject_type}|{subject_id}|{length}|{head_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
