"""Regions (辖区) with their rule profiles, wage guidelines, and enterprises (企业)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from workflows.calendar import YearSchedule
from workflows.rules import RuleProfile

DEFAULTS = RuleProfile()


class Region(db.Model):
    """A jurisdiction and its rule profile (规则配置); each figure defaults to the national rule."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("day_counting IN ('calendar', 'working')", "day_counting"),
        CheckConstraint(
            "response_days > 0 AND data_supply_days >= 0 AND refill_days > 0 AND dispute_days > 0"
            " AND dispute_extension_days >= 0 AND filing_days > 0 AND review_days > 0"
            " AND publication_days > 0 AND renewal_window_months > 0 AND min_delegates > 0",
            "periods_positive",
        ),
        CheckConstraint(
            "quorum_numerator > 0 AND quorum_denominator >= quorum_numerator", "quorum_fraction"
        ),
        CheckConstraint(
            "majority_numerator > 0 AND majority_denominator > majority_numerator",
            "majority_fraction",
        ),
        CheckConstraint("minimum_wage_fen > 0", "minimum_wage_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # 最低工资规定 Art 12: the monthly minimum wage, in fen, and its source.
    minimum_wage_fen: Mapped[int]
    minimum_wage_note: Mapped[str] = mapped_column(String(200), default="")

    response_days: Mapped[int] = mapped_column(default=DEFAULTS.response_days)
    day_counting: Mapped[str] = mapped_column(String(16), default=DEFAULTS.day_counting)
    data_supply_days: Mapped[int] = mapped_column(default=DEFAULTS.data_supply_days)
    refill_days: Mapped[int] = mapped_column(default=DEFAULTS.refill_days)
    dispute_days: Mapped[int] = mapped_column(default=DEFAULTS.dispute_days)
    dispute_extension_days: Mapped[int] = mapped_column(default=DEFAULTS.dispute_extension_days)
    filing_days: Mapped[int] = mapped_column(default=DEFAULTS.filing_days)
    review_days: Mapped[int] = mapped_column(default=DEFAULTS.review_days)
    publication_days: Mapped[int] = mapped_column(default=DEFAULTS.publication_days)
    renewal_window_months: Mapped[int] = mapped_column(default=DEFAULTS.renewal_window_months)
    quorum_numerator: Mapped[int] = mapped_column(default=DEFAULTS.quorum_numerator)
    quorum_denominator: Mapped[int] = mapped_column(default=DEFAULTS.quorum_denominator)
    majority_numerator: Mapped[int] = mapped_column(default=DEFAULTS.majority_numerator)
    majority_denominator: Mapped[int] = mapped_column(default=DEFAULTS.majority_denominator)
    min_delegates: Mapped[int] = mapped_column(default=DEFAULTS.min_delegates)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guidelines: Mapped[list[WageGuideline]] = relationship(
        back_populates="region", cascade="all, delete-orphan", order_by="WageGuideline.year"
    )
    enterprises: Mapped[list[Enterprise]] = relationship(back_populates="region")

    def __repr__(self) -> str:
        return f"<Region {self.code}>"

    @property
    def rule_profile(self) -> RuleProfile:
        return RuleProfile(**{f.name: getattr(self, f.name) for f in fields(RuleProfile)})

    def guideline_for(self, year: int) -> WageGuideline | None:
        return next((g for g in self.guidelines if g.year == year), None)


class WageGuideline(db.Model):
    """The region's wage guideline (工资指导线) for a year, in basis points of increase."""

    __tablename__ = "wage_guidelines"
    __table_args__ = (
        UniqueConstraint("region_id", "year"),
        CheckConstraint("lower_bp <= base_bp AND base_bp <= upper_bp", "band_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    year: Mapped[int]
    # 试行办法 Art 8: lower line (下线), base line (基准线), upper line (上线); 450 = 4.50 %.
    lower_bp: Mapped[int]
    base_bp: Mapped[int]
    upper_bp: Mapped[int]

    region: Mapped[Region] = relationship(back_populates="guidelines")


class Enterprise(db.Model):
    """An enterprise (企业) whose union and employer negotiate."""

    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("length(credit_code) = 18", "credit_code_length"),
        CheckConstraint("headcount > 0", "headcount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    industry: Mapped[str] = mapped_column(String(64))
    headcount: Mapped[int]
    address: Mapped[str] = mapped_column(String(200), default="")
    # 集体合同规定 Art 20: the union's chief representative is its chair (or a written delegate);
    # the employer's is its legal representative (or a written delegate).
    union_chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    legal_representative: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="enterprises")
    union_chair = relationship("User", foreign_keys=[union_chair_id])
    memberships = relationship(
        "Membership", back_populates="enterprise", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Enterprise {self.name}>"

    def can_view(self, user) -> bool:
        """The enterprise's page (its facts, and what its people or the law let the visitor see):
        its members, the federation, and the labour officers of its region."""
        return self.can_view_work(user) or self.is_reviewed_by(user)

    def can_view_work(self, user) -> bool:
        """All of the enterprise's own work (its people, rosters, congress, negotiations, minutes
        and history): its members and the federation that leads them."""
        return user.is_federation_admin or self.id in user.enterprise_ids

    def is_reviewed_by(self, user) -> bool:
        """A labour officer of the enterprise's region (劳动行政部门): they review the contracts
        filed with them and coordinate disputes (集体合同规定 Art 42-52), and see only that."""
        return user.is_labour_officer and user.region_id == self.region_id


class HolidaySchedule(db.Model):
    """A year's official holiday schedule (节假日安排) entered from the State Council's notice, for
    a year the calendar package does not know yet; deadlines in that year count with it."""

    __tablename__ = "holiday_schedules"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2100", "year"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holidays: Mapped[list] = mapped_column(JSON)  # ISO dates
    workdays: Mapped[list] = mapped_column(JSON)  # ISO dates of weekend days worked (调休)
    source: Mapped[str] = mapped_column(String(300))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entered_by = relationship("User")

    @property
    def id(self) -> int:
        """The year names the schedule, in the audit log too."""
        return self.year

    @property
    def schedule(self) -> YearSchedule:
        return YearSchedule(
            self.year,
            frozenset(map(date.fromisoformat, self.holidays)),
            frozenset(map(date.fromisoformat, self.workdays)),
        )


class ProvisionalDeadline(db.Model):
    """A deadline (期限) counted on a provisional holiday schedule (暂定): how it was counted, so
    that it is counted again — audited, the parties told if it moves — once that year's official
    schedule arrives (DESIGN §3). The date itself stays in its object's column (`field`), beside
    a `<field>_provisional` flag that pages and the API show."""

    __tablename__ = "provisional_deadlines"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "field"),
        CheckConstraint("days >= 0", "days_not_negative"),
        CheckConstraint("counting IN ('calendar', 'working')", "counting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))  # the table of the deadline's object
    subject_id: Mapped[int] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(String(40))
    start_on: Mapped[date]
    days: Mapped[int]
    counting: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date]
    # The first year the count read on a provisional schedule: it is counted again once that
    # year's official schedule is known.
    provisional_year: Mapped[int] = mapped_column(index=True)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
