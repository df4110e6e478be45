"""The workers' congress (职工代表大会): delegates (职工代表), sessions (会议), attendance
(签到), motions (议案) with their items, and the vote.

Secrecy (DESIGN §4): who voted (`Participation`: delegate, motion, time) and what was voted
(`Ballot`: motion, random id, answers) are separate tables whose only common column is the motion.
A ballot has no timestamp and a random primary key, so neither its id nor any ordering links it to
a participation. This protects the vote from other users of the application, not from whoever
operates the database server (who could, for instance, watch writes as they happen).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from workflows.congress import MOTION_STATES, SESSION_STATES

BALLOT_KINDS = ("secret", "named")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def new_ballot_id() -> str:
    """128 random bits: nothing about the voter or the moment of voting is in a ballot's id."""
    return secrets.token_hex(16)


def new_checkin_code() -> str:
    """Six digits for the venue screen; a session's code, not a secret of any delegate."""
    return f"{secrets.randbelow(10**6):06d}"


class Congress(db.Model):
    """An enterprise's workers' congress for its term (届)."""

    __tablename__ = "congresses"
    __table_args__ = (CheckConstraint("term_end > term_start", "term_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise = relationship("Enterprise")
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="congress", order_by="Delegate.id", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[CongressSession]] = relationship(
        back_populates="congress", order_by="CongressSession.scheduled_at"
    )

    def can_view(self, user) -> bool:
        """Its delegates' roster, sittings and motions: the enterprise's people and the
        federation, not the labour officers (who see a contract's vote record only)."""
        return self.enterprise.can_view_work(user)

    @property
    def active_delegates(self) -> list[Delegate]:
        return [d for d in self.delegates if d.active]


class Delegate(db.Model):
    """A worker delegate (职工代表) on the congress's roster."""

    __tablename__ = "delegates"
    __table_args__ = (
        UniqueConstraint("congress_id", "user_id"),
        UniqueConstraint("congress_id", "employee_no"),
        CheckConstraint("gender IN ('female', 'male')", "gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    # Delegates vote online with their own account.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    constituency: Mapped[str] = mapped_column(String(64))  # 选区 / 代表团
    # 企业民主管理规定 Art 12: managers are at most 20 % of the delegates.
    is_manager: Mapped[bool] = mapped_column(default=False)
    gender: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)

    congress: Mapped[Congress] = relationship(back_populates="delegates")
    user = relationship("User")


class CongressSession(db.Model):
    """A sitting of the congress (职代会会议): regular or special (e.g. 安全生产和劳动保护专题)."""

    __tablename__ = "congress_sessions"
    __table_args__ = (
        CheckConstraint(_in("state", SESSION_STATES), "state"),
        CheckConstraint("kind IN ('regular', 'special')", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="regular")
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    checkin_code: Mapped[str] = mapped_column(String(6), default=new_checkin_code)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adjourned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    congress: Mapped[Congress] = relationship(back_populates="sessions")
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    motions: Mapped[list[Motion]] = relationship(back_populates="session", order_by="Motion.id")


class Attendance(db.Model):
    """A delegate's check-in (签到) at a session, by the session's code or by the secretary."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "delegate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[CongressSession] = relationship(back_populates="attendances")
    delegate: Mapped[Delegate] = relationship()


class Motion(db.Model):
    """A motion (议案) with 1..n items, voted item by item; a contract draft votes by secret
    ballot (企业民主管理规定 Art 20)."""

    __tablename__ = "motions"
    __table_args__ = (
        CheckConstraint(_in("state", MOTION_STATES), "state"),
        CheckConstraint(_in("ballot_kind", BALLOT_KINDS), "ballot_kind"),
        CheckConstraint("result IS NULL OR result IN ('passed', 'failed', 'partial')", "result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"), index=True)
    negotiation_id: Mapped[int | None] = mapped_column(ForeignKey("negotiations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    ballot_kind: Mapped[str] = mapped_column(String(8), default="secret")
    # Voting needs a check-in at the session (the usual rule for a sitting congress).
    requires_presence: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The snapshot at opening: all delegates entitled to vote, and those present.
    entitled_count: Mapped[int | None]
    present_count: Mapped[int | None]
    result: Mapped[str | None] = mapped_column(String(8))
    tally: Mapped[dict | None] = mapped_column(JSON)
    seal: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[CongressSession] = relationship(back_populates="motions")
    negotiation = relationship("Negotiation")
    # The contracts this motion's vote made (one, unless a contract was returned and remade).
    contracts = relationship(
        "Contract", primaryjoin="Contract.motion_id == Motion.id", viewonly=True
    )
    items: Mapped[list[MotionItem]] = relationship(
        back_populates="motion", order_by="MotionItem.number", cascade="all, delete-orphan"
    )

    def can_view(self, user) -> bool:
        """Whoever sees its congress; and, as the vote record of the review (集体合同规定 Art 43:
        注明到会人数、投票表决情况), the labour officers a contract it made was filed with."""
        return self.session.congress.can_view(user) or any(
            contract.can_view(user) for contract in self.contracts
        )


class MotionItem(db.Model):
    """One item of a motion, answered yes / no / abstain."""

    __tablename__ = "motion_items"
    __table_args__ = (UniqueConstraint("motion_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")

    motion: Mapped[Motion] = relationship(back_populates="items")


class Entitlement(db.Model):
    """Who could vote on a motion, and who was present, as at its opening."""

    __tablename__ = "entitlements"
    __table_args__ = (UniqueConstraint("motion_id", "delegate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id"))
    present: Mapped[bool]


class Participation(db.Model):
    """That a delegate voted on a motion, and when; never what (参与记录)."""

    __tablename__ = "participations"
    # One vote per delegate per motion, whatever races the application loses.
    __table_args__ = (UniqueConstraint("motion_id", "delegate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ballot(db.Model):
    """What was voted (选票): answers per item, under a random id; no time, no voter — except in
    a named vote (记名表决), where the voter is the point."""

    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_motion", "motion_id"),)

    ballot_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_ballot_id)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="CASCADE"))
    answers: Mapped[dict] = mapped_column(JSON)  # {"1": "yes", "2": "abstain", ...}
    named_voter_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id"))
