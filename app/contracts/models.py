"""The wage special collective contract (工资专项集体合同): its PDF revisions, the chiefs'
signatures (签字), the review by the labour administration (审查) and the publication (公布).

Every PDF revision is kept: revision 0 is the generated text, each signature appends one. The
signed file is the last revision; its SHA-256 and every earlier one's are in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from workflows.contract import STATES
from workflows.rules import SIDES, TERM_YEARS

DECISIONS = ("approved", "deemed_approved", "objected")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Contract(db.Model):
    """A contract made from a ratified negotiation (集体合同规定 Art 37)."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), "state"),
        # 集体合同规定 Art 38: a contract runs for 1 to 3 years.
        CheckConstraint(f"term_years BETWEEN {TERM_YEARS[0]} AND {TERM_YEARS[-1]}", "term_years"),
        CheckConstraint(f"decision IS NULL OR {_in('decision', DECISIONS)}", "decision"),
        # One live contract per negotiation; a returned or void one may be followed by another.
        Index(
            "uq_contracts_live_per_negotiation",
            "negotiation_id",
            unique=True,
            sqlite_where=text("state NOT IN ('returned', 'void')"),
            postgresql_where=text("state NOT IN ('returned', 'void')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"))
    # The grid agreed when it was made: the talks may agree another after a return.
    grid_id: Mapped[int] = mapped_column(ForeignKey("wage_grids.id"))
    state: Mapped[str] = mapped_column(String(16), default="drafted")
    # Printed on every page and behind the QR code: finds the contract from its paper copy.
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    term_years: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    filing_due: Mapped[date | None] = mapped_column(Date)
    filing_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    filing_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_on: Mapped[date | None] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_due: Mapped[date | None] = mapped_column(Date)
    review_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opinion: Mapped[str] = mapped_column(Text, default="")
    void_reason: Mapped[str] = mapped_column(Text, default="")

    effective_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    publication_due: Mapped[date | None] = mapped_column(Date)
    publication_due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    publication_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_opens_on: Mapped[date | None] = mapped_column(Date)
    renewal_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_negotiation_id: Mapped[int | None] = mapped_column(ForeignKey("negotiations.id"))
    expired_on: Mapped[date | None] = mapped_column(Date)

    negotiation = relationship("Negotiation", foreign_keys=[negotiation_id])
    renewal_negotiation = relationship("Negotiation", foreign_keys=[renewal_negotiation_id])
    enterprise = relationship("Enterprise")
    motion = relationship("Motion")
    grid = relationship("WageGrid")
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    revisions: Mapped[list[ContractRevision]] = relationship(
        back_populates="contract",
        order_by="ContractRevision.number",
        cascade="all, delete-orphan",
    )
    signatures: Mapped[list[ContractSignature]] = relationship(
        back_populates="contract", order_by="ContractSignature.id", cascade="all, delete-orphan"
    )
    publications: Mapped[list[ContractPublication]] = relationship(
        back_populates="contract", order_by="ContractPublication.id", cascade="all, delete-orphan"
    )

    def can_view(self, user) -> bool:
        """The enterprise's people and the federation; a labour officer of the region once the
        contract was filed with them for review (集体合同规定 Art 42)."""
        return self.enterprise.can_view_work(user) or (
            self.filed_on is not None and self.enterprise.is_reviewed_by(user)
        )

    @property
    def latest(self) -> ContractRevision:
        return self.revisions[-1]

    def signature(self, side: str) -> ContractSignature | None:
        return next((s for s in self.signatures if s.side == side), None)

    def publication(self, side: str) -> ContractPublication | None:
        return next((p for p in self.publications if p.side == side), None)


class ContractRevision(db.Model):
    """One revision of the contract's PDF: 0 is the generated text, then one per signature."""

    __tablename__ = "contract_revisions"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint("number BETWEEN 0 AND 2", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    # Loaded only when the file itself is wanted.
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="revisions")


class ContractSignature(db.Model):
    """A chief representative's digital signature (首席代表签字), one per side."""

    __tablename__ = "contract_signatures"
    __table_args__ = (
        UniqueConstraint("contract_id", "side"),
        CheckConstraint(_in("side", SIDES), "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(8))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id"))
    # As on record when signing (and in the certificate); a later change of name does not
    # rewrite who signed.
    signer_name: Mapped[str] = mapped_column(String(64))
    revision_number: Mapped[int]
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    contract: Mapped[Contract] = relationship(back_populates="signatures")
    signer = relationship("User")


class ContractPublication(db.Model):
    """A side's record that it published the contract to its people (公布), one per side."""

    __tablename__ = "contract_publications"
    __table_args__ = (
        UniqueConstraint("contract_id", "side"),
        CheckConstraint(_in("side", SIDES), "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(8))
    published_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="publications")
