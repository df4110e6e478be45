"""Reading contracts: who takes part, the plain data the PDF is made from, the verification of
an uploaded copy (验证) and the review queue. Nothing here changes a contract; that is
`app.contracts.operations`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.auth import operations as auth_operations
from app.auth.models import Role, User
from app.auth.queries import members
from app.contracts import verification
from app.contracts.access import reviewer_scope
from app.contracts.models import Contract, ContractRevision
from app.extensions import db
from app.negotiations.queries import draft_items
from workflows import rules
from workflows.contract import State

SIDE_TITLES = {rules.UNION: "工会方首席代表", rules.EMPLOYER: "企业方首席代表"}


def verification_url(code: str) -> str:
    return f"{current_app.config['SERVER_BASE_URL'].rstrip('/')}/verify/{code}"


# --- who takes part --------------------------------------------------------------------------


def people(contract: Contract, *roles: Role) -> list[User]:
    """The active members of the contract's enterprise with any of `roles`."""
    return members(contract.enterprise_id, *roles)


def parties(contract: Contract) -> list[User]:
    """The union's and the employer's representatives of the contract's enterprise."""
    return people(contract, Role.UNION_REP, Role.EMPLOYER_REP)


def chiefs(contract: Contract) -> list[User]:
    """The two chief representatives (首席代表) who sign, those who have an account."""
    negotiation = contract.negotiation
    ids = [c.user_id for s in rules.SIDES if (c := negotiation.chief(s)) and c.user_id]
    return [db.session.get(User, i) for i in ids]


# --- the generated contract ------------------------------------------------------------------


def contract_data(contract: Contract) -> dict:
    """The plain data the PDF template receives (app.contracts.pdf documents its shape)."""
    negotiation, enterprise = contract.negotiation, contract.enterprise
    grid = contract.grid
    motion = contract.motion
    with force_locale("zh"):
        clauses = [
            {"number": item.number, "title": item.title, "text": item.text}
            for item in draft_items(negotiation)
        ]
    data = {
        "title": "工资专项集体合同",
        "enterprise": {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "address": enterprise.address or "",
            "legal_representative": enterprise.legal_representative or "",
            "industry": enterprise.industry or "",
        },
        "union": {
            "name": f"{enterprise.name}工会委员会",
            "chair": enterprise.union_chair.full_name if enterprise.union_chair else "",
        },
        "region": {"name": enterprise.region.name},
        "term": {
            "years": contract.term_years,
            "start": contract.effective_on,
            "end": contract.ends_on,
        },
        "grid": {
            "round": grid.round.number if grid is not None and grid.round else None,
            "rows": [
                {
                    "position": row.position,
                    "grade": row.grade,
                    "base_fen": row.base_fen,
                    "allowance_fen": row.allowance_fen,
                    "headcount": row.headcount,
                }
                for row in (grid.rows if grid is not None else [])
            ],
        },
        "minimum_wage_fen": enterprise.region.minimum_wage_fen,
        "clauses": clauses,
        "negotiation": {"id": negotiation.id, "subject": negotiation.subject},
        "signatories": {
            side: {
                "name": chief.name if (chief := negotiation.chief(side)) else "",
                "title": SIDE_TITLES[side],
            }
            for side in rules.SIDES
        },
        "verification": {
            "code": contract.verification_code,
            "url": verification_url(contract.verification_code),
        },
        "generated_at": contract.created_at,
    }
    if motion is not None and motion.tally:
        counts = motion.tally["items"]
        session = motion.session
        profile = enterprise.region.rule_profile
        data["congress"] = {
            "name": session.congress.name,
            "session": session.title,
            "voted_on": motion.closed_at.astimezone(clock.CHINA).date(),
            "total_delegates": motion.entitled_count,
            "present": motion.present_count,
            "ballot_kind": motion.ballot_kind,
            "votes_needed": rules.votes_needed(motion.entitled_count, profile),
            "items": [
                {
                    "number": item.number,
                    "title": item.title,
                    "yes": counts[str(item.number)]["yes"],
                    "no": counts[str(item.number)]["no"],
                    "abstain": counts[str(item.number)]["abstain"],
                }
                for item in motion.items
            ],
        }
    return data


# --- verification (验证) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """What an uploaded copy is: its signatures as read, the contract and the stored revision
    it is, and the verdict with its reasons in words, for the page and the API alike."""

    report: verification.Report
    contract: Contract | None
    revision: ContractRevision | None  # the stored revision the file is exactly, if any
    sha256: str
    problems: list[str]

    @property
    def valid(self) -> bool:
        return self.report.valid and not self.problems


def verify_upload(content: bytes, expected: Contract | None = None) -> Verified:
    """Judge an uploaded PDF. Valid means: signed, every signature intact and made with a
    certificate of this deployment's CA, nothing changed after signing, and it is one of this
    deployment's contracts (the one `expected` is, when it came from a code's page). The
    contract is found by the generated text's hash (the first revision), or the whole file's.
    Raises verification.NotAPdf for a file that is no readable PDF, verification.PdfRefused (a
    NotAPdf) for one built to make the check endless, verification.VerificationBusy when no
    worker is free."""
    config = current_app.config
    bounds = verification.Bounds(
        timeout_seconds=config["VERIFY_TIMEOUT_SECONDS"],
        memory_mb=config["VERIFY_MEMORY_MB"],
        workers=config["VERIFY_WORKERS"],
    )
    report = verification.verify_contract_pdf(
        content, auth_operations.signing_authority().cert_pem, bounds
    )
    digest = hashlib.sha256(content).hexdigest()
    hashes = [h for h in (report.original_sha256, digest) if h]
    contract = db.session.scalar(
        select(Contract)
        .join(ContractRevision)
        .where(ContractRevision.sha256.in_(hashes))
        .order_by(ContractRevision.number)
        .limit(1)
    )
    revision = None
    if contract is not None:
        revision = next((r for r in contract.revisions if r.sha256 == digest), None)
    return Verified(report, contract, revision, digest, _problems(report, contract, expected))


def _problems(report, contract: Contract | None, expected: Contract | None) -> list[str]:
    problems: list[str] = []
    if not report.signatures:
        problems.append(_("The document carries no signature."))
    for signature in report.signatures:
        if not signature.intact:
            problems.append(
                _(
                    "The signature of %(signer)s does not match the document: the signed "
                    "content was altered.",
                    signer=_signer(signature),
                )
            )
        if not signature.trusted:
            problems.append(
                _(
                    "The signature of %(signer)s was not made with a certificate issued by this "
                    "deployment's certificate authority.",
                    signer=_signer(signature),
                )
            )
    if report.modified_after_signing:
        problems.append(_("The document was changed after it was signed."))
    if contract is None:
        problems.append(_("No contract of this deployment matches this document."))
    elif expected is not None and contract.id != expected.id:
        problems.append(
            _(
                "This document is not the contract with the code %(code)s.",
                code=expected.verification_code,
            )
        )
    return problems


def _signer(signature) -> str:
    who = signature.signer_name or _("an unknown signer")
    if signature.side is None:
        return who
    return _("%(name)s (%(side)s side)", name=who, side=_(rules.SIDE_LABELS[signature.side]))


def contract_by_code(code: str) -> Contract | None:
    """The contract with this verification code, typed with or without its hyphens."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    normal = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return db.session.scalar(select(Contract).where(Contract.verification_code == normal))


# --- the review queue (审查) -----------------------------------------------------------------


def review_queue(officer: User) -> list[Contract]:
    """Contracts filed in the officer's region and awaiting a decision, the most urgent first;
    the federation sees every region's."""
    query = (
        select(Contract)
        .where(Contract.state == State.FILED, reviewer_scope(officer))
        .order_by(Contract.review_due)
    )
    return list(db.session.scalars(query))
