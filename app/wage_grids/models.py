"""A wage grid (能级工资表) and its rows, one skill grade each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from workflows import rules


class WageGrid(db.Model):
    """A wage grid (能级工资表): the enterprise's current one, or a side's proposal in a round."""

    __tablename__ = "wage_grids"
    __table_args__ = (
        CheckConstraint("side IS NULL OR side IN ('union', 'employer')", "side"),
        CheckConstraint("(round_id IS NULL) = (side IS NULL)", "proposal_has_side"),
        # One proposal per side per round.
        UniqueConstraint("round_id", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    negotiation_id: Mapped[int | None] = mapped_column(
        ForeignKey("negotiations.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("negotiation_rounds.id", ondelete="CASCADE")
    )
    side: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rows: Mapped[list[WageGridRow]] = relationship(
        back_populates="grid",
        order_by="WageGridRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    # A proposal belongs to a negotiation's round; the grid in force to neither. By name: the
    # negotiations import this module, not the other way round.
    negotiation = relationship(
        "Negotiation", back_populates="proposals", foreign_keys=[negotiation_id]
    )
    round = relationship("Round", back_populates="proposals")
    created_by = relationship("User")

    @property
    def grade_rows(self) -> list[rules.GradeRow]:
        return [
            rules.GradeRow(r.grade, r.base_fen, r.allowance_fen, r.headcount) for r in self.rows
        ]


class WageGridRow(db.Model):
    """One skill grade of a grid: base wage and skill allowance in fen a month, and headcount."""

    __tablename__ = "wage_grid_rows"
    __table_args__ = (
        UniqueConstraint("grid_id", "position"),
        UniqueConstraint("grid_id", "grade"),
        CheckConstraint(
            "base_fen >= 0 AND allowance_fen >= 0 AND headcount >= 0", "amounts_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("wage_grids.id", ondelete="CASCADE"))
    position: Mapped[int]
    grade: Mapped[str] = mapped_column(String(32))
    base_fen: Mapped[int]
    allowance_fen: Mapped[int]
    headcount: Mapped[int]

    grid: Mapped[WageGrid] = relationship(back_populates="rows")
