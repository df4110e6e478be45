"""Negotiation (集体协商) with its representatives (协商代表), rounds (协商会议) and the draft's
numbered items (协议草案条款). The wage grids (能级工资表) proposed in its rounds are
`app.wage_grids`."""

from __future__ import annotations

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
    and_,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.wage_grids.models import WageGrid
from workflows import rules
from workflows.negotiation import STATES, State

SIDE_CHECK = "side IN ('union', 'employer')"


def _states_check(column: str) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in STATES)})"


class Negotiation(db.Model):
    """A skill-grade wage negotiation of one enterprise, from the written request (要约书) on."""

    __tablename__ = "negotiations"
    __table_args__ = (
        CheckConstraint(_states_check("state"), "state"),
        CheckConstraint("initiator_side IN ('union', 'employer')", "initiator_side"),
        # 集体合同规定 Art 38: a contract runs for 1 to 3 years.
        CheckConstraint(
            f"term_years BETWEEN {rules.TERM_YEARS[0]} AND {rules.TERM_YEARS[-1]}", "term_years"
        ),
        CheckConstraint("pay_day IS NULL OR pay_day BETWEEN 1 AND 31", "pay_day"),
        Index("ix_negotiations_enterprise_state", "enterprise_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    initiator_side: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The written request (要约书): subject, proposed term, topics, proposed time and place.
    subject: Mapped[str] = mapped_column(String(200))
    term_years: Mapped[int]
    topics: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_place: Mapped[str] = mapped_column(String(200), default="")
    requested_on: Mapped[date | None] = mapped_column(Date)
    response_due: Mapped[date | None] = mapped_column(Date)
    response_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The written response (回应): acceptance with the responder's own topics, or a refusal.
    responded_on: Mapped[date | None] = mapped_column(Date)
    responder_topics: Mapped[str] = mapped_column(Text, default="")
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    # 集体合同规定 Art 33: the neutral recorder (记录员), not a representative.
    recorder_name: Mapped[str] = mapped_column(String(64), default="")
    recorder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # 集体合同规定 Art 35: a suspension is proposed by one side and confirmed by the other.
    suspension_proposed_by: Mapped[str | None] = mapped_column(String(8))
    suspension_resume_on: Mapped[date | None] = mapped_column(Date)
    resume_on: Mapped[date | None] = mapped_column(Date)

    # 集体合同规定 Art 52: dispute coordination (争议协调处理).
    dispute_started_on: Mapped[date | None] = mapped_column(Date)
    dispute_due: Mapped[date | None] = mapped_column(Date)
    dispute_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    dispute_extension_days: Mapped[int] = mapped_column(default=0)
    dispute_overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The clauses besides the grid; any change raises the revision and voids both acceptances.
    adjustment_rule: Mapped[str] = mapped_column(Text, default="")
    pay_day: Mapped[int | None]
    revision: Mapped[int] = mapped_column(default=1)
    union_accepted_grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("wage_grids.id", use_alter=True)
    )
    union_accepted_revision: Mapped[int | None]
    employer_accepted_grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("wage_grids.id", use_alter=True)
    )
    employer_accepted_revision: Mapped[int | None]
    agreed_grid_id: Mapped[int | None] = mapped_column(ForeignKey("wage_grids.id", use_alter=True))
    agreed_revision: Mapped[int | None]
    # The item numbers the workers' congress rejected; the talks go back to them.
    failed_items: Mapped[list] = mapped_column(JSON, default=list)

    enterprise = relationship("Enterprise")
    created_by = relationship("User", foreign_keys=[created_by_id])
    recorder_user = relationship("User", foreign_keys=[recorder_user_id])
    representatives: Mapped[list[Representative]] = relationship(
        back_populates="negotiation", order_by="Representative.id", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="negotiation", order_by="Round.number", cascade="all, delete-orphan"
    )
    items: Mapped[list[DraftItem]] = relationship(
        back_populates="negotiation", order_by="DraftItem.number", cascade="all, delete-orphan"
    )
    proposals: Mapped[list[WageGrid]] = relationship(
        back_populates="negotiation", foreign_keys="WageGrid.negotiation_id", order_by="WageGrid.id"
    )
    agreed_grid = relationship("WageGrid", foreign_keys=[agreed_grid_id])

    def __repr__(self) -> str:
        return f"<Negotiation {self.id} {self.state}>"

    def can_view(self, user) -> bool:
        """The enterprise's people and the federation; a labour officer of the region once the
        negotiation is theirs to coordinate (集体合同规定 Art 49-52): a side asked for it, or the
        request went unanswered past its deadline, when they may step in on their own."""
        return self.enterprise.can_view_work(user) or (
            self.came_to_coordination and self.enterprise.is_reviewed_by(user)
        )

    @hybrid_method
    def response_overdue(self, today: date) -> bool:
        """The written response is late (集体合同规定 Art 32: due 20 days after receipt): the
        request is unanswered and its deadline has passed. One rule, in Python and in SQL (the
        lists and the tick)."""
        return (
            self.state == State.REQUESTED
            and self.responded_on is None
            and self.response_due is not None
            and self.response_due < today
        )

    @response_overdue.inplace.expression
    @classmethod
    def _response_overdue(cls, today: date):
        return and_(
            cls.state == State.REQUESTED,
            cls.responded_on.is_(None),
            cls.response_due.is_not(None),
            cls.response_due < today,
        )

    @hybrid_property
    def came_to_coordination(self) -> bool:
        return self.dispute_started_on is not None or self.overdue_flagged_at is not None

    @came_to_coordination.inplace.expression
    @classmethod
    def _came_to_coordination(cls):
        return cls.dispute_started_on.is_not(None) | cls.overdue_flagged_at.is_not(None)

    @property
    def responder_side(self) -> str:
        return rules.EMPLOYER if self.initiator_side == rules.UNION else rules.UNION

    @property
    def refused(self) -> bool:
        return self.refusal_reason is not None

    def active_representatives(self, side: str | None = None) -> list[Representative]:
        return [
            r
            for r in self.representatives
            if r.vacated_on is None and (side is None or r.side == side)
        ]

    def chief(self, side: str) -> Representative | None:
        return next((r for r in self.active_representatives(side) if r.is_chief), None)

    def accepted_package(self, side: str) -> str | None:
        """What a side accepted, as 'grid #G, clauses revision R'; None if nothing current."""
        grid_id = getattr(self, f"{side}_accepted_grid_id")
        revision = getattr(self, f"{side}_accepted_revision")
        if grid_id is None or revision != self.revision:
            return None
        return f"grid #{grid_id}, revision {revision}"


class Representative(db.Model):
    """A negotiating representative (协商代表) of one side; 集体合同规定 Art 19-24."""

    __tablename__ = "representatives"
    __table_args__ = (
        CheckConstraint(SIDE_CHECK, "side"),
        # Art 23: a chief is never an outside expert.
        CheckConstraint("NOT (is_chief AND is_outside_expert)", "chief_not_expert"),
        # Art 24: nobody sits on both sides (or twice on one) at the same time.
        Index(
            "uq_representatives_active_person",
            "negotiation_id",
            "user_id",
            unique=True,
            sqlite_where=text("vacated_on IS NULL AND user_id IS NOT NULL"),
            postgresql_where=text("vacated_on IS NULL AND user_id IS NOT NULL"),
        ),
        # Art 19: one chief per side.
        Index(
            "uq_representatives_active_chief",
            "negotiation_id",
            "side",
            unique=True,
            sqlite_where=text("vacated_on IS NULL AND is_chief"),
            postgresql_where=text("vacated_on IS NULL AND is_chief"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(
        ForeignKey("negotiations.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(8))
    # Outside experts (外聘专家) need no account; members of the enterprise have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(64), default="")
    is_chief: Mapped[bool] = mapped_column(default=False)
    is_outside_expert: Mapped[bool] = mapped_column(default=False)
    # Art 20, 21: a chief who is not the union chair / legal representative needs a written
    # delegation (书面委托).
    delegated_in_writing: Mapped[bool] = mapped_column(default=False)
    appointed_on: Mapped[date] = mapped_column(Date)
    # Art 31: a vacated seat is refilled within 15 days.
    vacated_on: Mapped[date | None] = mapped_column(Date)
    refill_due: Mapped[date | None] = mapped_column(Date)
    refill_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    refilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("representatives.id"))
    refill_overdue_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    negotiation: Mapped[Negotiation] = relationship(back_populates="representatives")
    user = relationship("User")


class Round(db.Model):
    """A round of talks (协商会议): chaired in turn by the chiefs (Art 34), minuted by the recorder
    (Art 33), the minutes confirmed by both chiefs."""

    __tablename__ = "negotiation_rounds"
    __table_args__ = (
        UniqueConstraint("negotiation_id", "number"),
        CheckConstraint("chair_side IN ('union', 'employer')", "chair_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id", ondelete="CASCADE"))
    number: Mapped[int]
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    chair_side: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    union_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    employer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    negotiation: Mapped[Negotiation] = relationship(back_populates="rounds")
    proposals: Mapped[list[WageGrid]] = relationship(
        back_populates="round", order_by="WageGrid.side.desc()"
    )

    @property
    def confirmed(self) -> bool:
        return self.union_confirmed_at is not None and self.employer_confirmed_at is not None

    def proposal_of(self, side: str) -> WageGrid | None:
        return next((p for p in self.proposals if p.side == side), None)


class DraftItem(db.Model):
    """A numbered clause of the draft (草案条款); the congress votes on each one by one."""

    __tablename__ = "draft_items"
    __table_args__ = (UniqueConstraint("negotiation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)

    negotiation: Mapped[Negotiation] = relationship(back_populates="items")
