"""Everything that changes a contract: generating it, signing, filing, the review, taking effect,
publication, renewal and expiry — and reading an uploaded copy back (verification).

Each operation locks the contract's row (FOR UPDATE on PostgreSQL), checks who acts, fires the
workflow trigger (409 with the reason), writes one audit event and queues notifications; the
request commits once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.audit.operations import record
from app.auth import operations as auth_operations
from app.auth.models import Membership, Role, User
from app.contracts import pdf, signing, verification
from app.contracts.access import (
    chief_side,
    renewal_data,
    require,
    reviewer_scope,
    reviewers,
    roles_of,
)
from app.contracts.models import (
    Contract,
    ContractPublication,
    ContractRevision,
    ContractSignature,
)
from app.db import apart
from app.deadlines import declare, due_params, set_deadline
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from app.negotiations import operations as negotiation_operations
from app.negotiations.models import Negotiation
from app.notifications.operations import notify
from app.rulebook import lock, transition
from workflows import contract as workflow
from workflows import rules
from workflows.contract import WORKFLOW, State
from workflows.messages import N_
from workflows.negotiation import State as NegotiationState

log = logging.getLogger(__name__)

SIDE_TITLES = {rules.UNION: "工会方首席代表", rules.EMPLOYER: "企业方首席代表"}
# No 0/O or 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def verification_url(code: str) -> str:
    return f"{current_app.config['SERVER_BASE_URL'].rstrip('/')}/verify/{code}"


def _transition(
    contract: Contract, trigger: str, actor: User | None, data: dict | None = None, **guards
) -> None:
    """Check the actor's roles on the locked contract, fire the trigger, write its event."""
    transition(contract, WORKFLOW, trigger, actor, roles_of(actor, contract), data=data, **guards)


def _people(contract: Contract, *roles: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership)
            .where(
                Membership.enterprise_id == contract.enterprise_id,
                Membership.role.in_([r.value for r in roles]),
                User.active.is_(True),
            )
            .distinct()
        )
    )


def _chiefs(contract: Contract) -> list[User]:
    negotiation = contract.negotiation
    ids = [c.user_id for s in rules.SIDES if (c := negotiation.chief(s)) and c.user_id]
    return [db.session.get(User, i) for i in ids]


def _notify(users, kind: str, contract: Contract, **params) -> None:
    notify(
        users,
        kind,
        link=f"/contracts/{contract.id}",
        enterprise=contract.enterprise.name,
        subject=contract.negotiation.subject,
        **params,
    )


# --- the generated contract ------------------------------------------------------------------


def contract_data(contract: Contract) -> dict:
    """The plain data the PDF template receives (app.contracts.pdf documents its shape)."""
    negotiation, enterprise = contract.negotiation, contract.enterprise
    grid = contract.grid
    motion = contract.motion
    with force_locale("zh"):
        clauses = [
            {"number": item.number, "title": item.title, "text": item.text}
            for item in negotiation_operations.draft_items(negotiation)
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


def _add_revision(contract: Contract, content: bytes) -> ContractRevision:
    revision = ContractRevision(
        contract=contract,
        number=len(contract.revisions),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pdf=content,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def create_contract(negotiation: Negotiation, motion=None) -> Contract:
    """The ratified draft becomes the contract's text, ready for both chiefs to sign
    (集体合同规定 Art 37)."""
    if negotiation.state != NegotiationState.RATIFIED:
        raise Conflict(_("Only a ratified draft becomes a contract."))
    contract = Contract(
        negotiation=negotiation,
        negotiation_id=negotiation.id,
        enterprise=negotiation.enterprise,
        enterprise_id=negotiation.enterprise_id,
        motion=motion,
        grid=negotiation.agreed_grid,
        state="drafted",
        verification_code=_verification_code(),
        term_years=negotiation.term_years,
        created_at=clock.now(),
    )
    db.session.add(contract)
    db.session.flush()
    revision = _add_revision(contract, pdf.render_contract(contract_data(contract)))
    record(
        contract,
        "generated",
        None,
        to_state=contract.state,
        data={"revision": 0, "sha256": revision.sha256, "negotiation_id": negotiation.id},
    )
    _notify(_chiefs(contract), "contract_ready", contract)
    return contract


# --- signing (签字) ----------------------------------------------------------------------------


class SigningRefused(InvalidInput):
    """A wrong password or name at signing: refused, and counted against the signer's limit."""


def sign(
    contract: Contract,
    actor: User,
    *,
    password: str,
    full_name: str,
    document_sha256: str,
    ip: str = "",
    user_agent: str = "",
) -> ContractSignature:
    """A chief representative signs the text they read, with their own key (集体合同规定 Art 37).

    The password opens their signing key; the typed name must be the name on record; the
    document must be the very revision they were shown."""
    contract = lock(contract)
    side = chief_side(actor, contract)
    if side is None:
        raise NotPermitted(_("Only the chief representative of a side signs the contract."))
    auth_operations.require_own_password(actor)
    if contract.signature(side) is not None:
        raise Conflict(_("Your side has signed this contract already."))
    require(contract, actor, "sign")
    if not actor.check_password(password or ""):
        raise SigningRefused("password", _("The password is wrong."))
    if " ".join(full_name.split()) != " ".join(actor.full_name.split()):
        raise SigningRefused(
            "full_name", _("Type your full name exactly as it is on record to sign.")
        )
    latest = contract.latest
    if document_sha256.strip().lower() != latest.sha256:
        raise Conflict(
            _("The contract changed since you opened it. Read the current text, then sign.")
        )
    signed_sides = sorted({s.side for s in contract.signatures} | {side})
    before = contract.state
    workflow.fire(contract, "sign", signed_sides=signed_sides)
    key, private_key = auth_operations.unlocked_signing_key(actor, password)
    authority = auth_operations.signing_authority()
    now = clock.now()
    signed_pdf = signing.sign_contract_pdf(
        latest.pdf,
        side=side,
        private_key=private_key,
        cert_pem=key.cert_pem,
        ca_cert_pem=authority.cert_pem,
        signer_name=actor.full_name,
        side_label=SIDE_TITLES[side],
        signed_at=now,
        certify=not contract.signatures,
        font_path=signing.stamp_font(current_app.config["FONT_CACHE_DIR"]),
    )
    revision = _add_revision(contract, signed_pdf)
    signature = ContractSignature(
        contract=contract,
        side=side,
        signer_id=actor.id,
        signing_key_id=key.id,
        signer_name=actor.full_name,
        revision_number=revision.number,
        signed_at=now,
        ip=(ip or "")[:64],
        user_agent=(user_agent or "")[:300],
    )
    db.session.add(signature)
    db.session.flush()
    record(
        contract,
        "sign",
        actor,
        from_state=before,
        to_state=contract.state,
        data={
            "side": side,
            "revision": revision.number,
            "sha256": revision.sha256,
            "certificate": key.fingerprint_sha256,
            "ip": signature.ip,
            "user_agent": signature.user_agent,
        },
    )
    if contract.state == State.SIGNED:
        today = clock.today()
        profile = contract.enterprise.region.rule_profile
        set_deadline(contract, "filing_due", rules.filing_deadline(today, profile))
        db.session.flush()
        _notify(
            _people(contract, Role.EMPLOYER_REP),
            "contract_signed",
            contract,
            **due_params(contract, "filing_due"),
        )
    else:
        _notify([u for u in _chiefs(contract) if u.id != actor.id], "contract_to_sign", contract)
    return signature


def void(contract: Contract, actor: User, reason: str) -> None:
    """A chief refuses to sign: the contract is void and the talks reopen."""
    contract = lock(contract)
    require(contract, actor, "void")
    _transition(contract, "void", actor, data={"reason": reason.strip()}, reason=reason)
    contract.void_reason = reason.strip()
    db.session.flush()
    negotiation_operations.renegotiate(contract.negotiation, data={"contract_id": contract.id})
    _notify(_people(contract, Role.UNION_REP, Role.EMPLOYER_REP), "contract_void", contract)


# --- filing and review (报送审查) ---------------------------------------------------------------


def file_contract(contract: Contract, actor: User, today: date | None = None) -> None:
    """The employer files the signed contract with the labour administration (试行办法 Art 21;
    集体合同规定 Art 42)."""
    contract = lock(contract)
    require(contract, actor, "file")
    today = today or clock.today()
    profile = contract.enterprise.region.rule_profile
    _transition(contract, "file", actor, data={"sha256": contract.latest.sha256})
    contract.filed_on = today
    contract.filed_by_id = actor.id
    set_deadline(contract, "review_due", rules.review_deadline(today, profile))
    db.session.flush()
    _notify(reviewers(contract), "contract_filed", contract, **due_params(contract, "review_due"))


def approve(contract: Contract, actor: User, today: date | None = None) -> None:
    """The labour officer approves: the contract takes effect today (集体合同规定 Art 47)."""
    contract = lock(contract)
    require(contract, actor, "approve")
    today = today or clock.today()
    _transition(contract, "approve", actor, today=today, review_due=contract.review_due)
    contract.decision, contract.decided_on, contract.reviewer_id = "approved", today, actor.id
    _take_effect(contract, today)


def object_to(contract: Contract, actor: User, opinion: str, today: date | None = None) -> None:
    """The labour officer objects in writing: the parties negotiate again and refile
    (集体合同规定 Art 46)."""
    contract = lock(contract)
    require(contract, actor, "object")
    today = today or clock.today()
    _transition(
        contract,
        "object",
        actor,
        data={"opinion": opinion.strip()},
        opinion=opinion,
        today=today,
        review_due=contract.review_due,
    )
    contract.decision, contract.decided_on, contract.reviewer_id = "objected", today, actor.id
    contract.opinion = opinion.strip()
    db.session.flush()
    negotiation_operations.renegotiate(contract.negotiation, data={"contract_id": contract.id})
    _notify(
        _people(contract, Role.UNION_REP, Role.EMPLOYER_REP),
        "contract_returned",
        contract,
        opinion=contract.opinion,
    )


def deem_approved(contract: Contract, today: date) -> None:
    """No objection by the end of the review period: in effect from the next day (Art 47)."""
    contract = lock(contract)
    _transition(contract, "deem_approved", None, today=today, review_due=contract.review_due)
    contract.decision = "deemed_approved"
    contract.decided_on = rules.deemed_effective_on(contract.review_due)
    _take_effect(contract, contract.decided_on)


def _take_effect(contract: Contract, effective_on: date) -> None:
    profile = contract.enterprise.region.rule_profile
    term = rules.term(effective_on, contract.term_years, profile)
    contract.effective_on, contract.ends_on = term.starts_on, term.ends_on
    contract.renewal_opens_on = term.renewal_opens_on
    set_deadline(contract, "publication_due", rules.publication_deadline(effective_on, profile))
    db.session.flush()
    grid = contract.grid
    if grid is not None:
        # The contract's grid is now the grid in force: the next negotiation compares with it.
        negotiation_operations.set_current_grid(
            contract.enterprise,
            None,
            [rules.GradeRow(r.grade, r.base_fen, r.allowance_fen, r.headcount) for r in grid.rows],
            note=f"工资专项集体合同 {contract.verification_code}",
        )
    _notify(
        _people(contract, Role.UNION_REP, Role.EMPLOYER_REP),
        "contract_effective",
        contract,
        effective_on=effective_on.isoformat(),
        **due_params(contract, "publication_due"),
    )


# --- publication (公布) ------------------------------------------------------------------------


def record_publication(
    contract: Contract, actor: User, *, published_on: date, method: str, side: str | None = None
) -> ContractPublication:
    """A side records publishing the contract to its people (试行办法 Art 23; 集体合同规定
    Art 48); with both sides recorded, the contract is published."""
    contract = lock(contract)
    roles = require(contract, actor, "publish")
    sides = [s for s in rules.SIDES if s in roles]
    if side is None and len(sides) == 1:
        side = sides[0]
    if side not in sides:
        raise NotPermitted(_("Only a representative of a side records its publication."))
    if contract.publication(side) is not None:
        raise Conflict(_("Your side has recorded its publication already."))
    if not method.strip():
        raise InvalidInput("method", _("Say how it was published (notice board, intranet…)."))
    if published_on < contract.effective_on or published_on > clock.today():
        raise InvalidInput(
            "published_on", _("The date is between the day it took effect and today.")
        )
    publication = ContractPublication(
        contract=contract,
        side=side,
        published_on=published_on,
        method=method.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(publication)
    db.session.flush()
    published = sorted(p.side for p in contract.publications)
    data = {"side": side, "published_on": published_on.isoformat(), "method": method.strip()}
    if set(published) == set(rules.SIDES):
        _transition(contract, "publish", actor, data=data, published_sides=published)
    else:
        record(contract, "publication_recorded", actor, data=data)
    return publication


# --- renewal and expiry (续订与终止) ------------------------------------------------------------


def renew(contract: Contract, actor: User, today: date | None = None) -> Negotiation:
    """Either side asks to renew within the window before expiry (集体合同规定 Art 38): a new
    negotiation, linked to this contract, compares with its grid (now the grid in force)."""
    contract = lock(contract)
    today = today or clock.today()
    roles = require(contract, actor, "renew", **renewal_data(contract, today))
    sides = sorted(side for side in rules.SIDES if side in roles)
    old = contract.negotiation
    negotiation = negotiation_operations.open_negotiation(
        contract.enterprise,
        actor,
        subject=_("Renewal: %(subject)s", subject=old.subject),
        term_years=contract.term_years,
        topics=_(
            "Renewal of the wage special collective contract %(code)s, which ends on %(end)s; "
            "its wage grid is the grid in force.",
            code=contract.verification_code,
            end=contract.ends_on.isoformat(),
        ),
        side=sides[0] if len(sides) > 1 else None,
    )
    negotiation.adjustment_rule, negotiation.pay_day = old.adjustment_rule, old.pay_day
    contract.renewal_negotiation_id = negotiation.id
    db.session.flush()
    record(contract, "renewal_requested", actor, data={"negotiation_id": negotiation.id})
    return negotiation


# --- the tick ----------------------------------------------------------------------------------


def _due(*where) -> list[Contract]:
    return list(db.session.scalars(select(Contract).where(*where).order_by(Contract.id)))


def tick(today: date, now: datetime) -> dict[str, int]:
    """Deemed approvals, reminders, renewal windows and expiry, each once."""
    done = {"deemed_approved": 0, "filing_reminders": 0, "publication_reminders": 0}
    done |= {"renewal_windows": 0, "expired": 0}
    # Each contract apart: one whose next deadline falls in a year without a holiday schedule
    # waits for it (the admin is told by the log) without holding the others back.
    for contract in _due(Contract.state == State.FILED, Contract.review_due < today):
        what = f"deem contract {contract.id} approved"
        if apart(lambda c=contract: deem_approved(c, today), what):
            done["deemed_approved"] += 1
    for contract in _due(
        Contract.state == State.SIGNED,
        Contract.filing_due <= today,
        Contract.filing_reminded_at.is_(None),
    ):
        contract.filing_reminded_at = now
        _notify(
            _people(contract, Role.EMPLOYER_REP),
            "filing_due",
            contract,
            **due_params(contract, "filing_due"),
        )
        done["filing_reminders"] += 1
    for contract in _due(
        Contract.state == State.EFFECTIVE,
        Contract.publication_due <= today,
        Contract.publication_reminded_at.is_(None),
    ):
        contract.publication_reminded_at = now
        _notify(
            _people(contract, Role.UNION_REP, Role.EMPLOYER_REP),
            "publication_due",
            contract,
            **due_params(contract, "publication_due"),
        )
        done["publication_reminders"] += 1
    for contract in _due(
        Contract.state.in_(workflow.IN_FORCE),
        Contract.renewal_opens_on <= today,
        Contract.renewal_notified_at.is_(None),
    ):
        contract.renewal_notified_at = now
        _notify(
            _people(contract, Role.UNION_REP, Role.EMPLOYER_REP),
            "renewal_open",
            contract,
            end=contract.ends_on.isoformat(),
        )
        done["renewal_windows"] += 1
    for contract in _due(Contract.state.in_(workflow.IN_FORCE), Contract.ends_on < today):
        if apart(lambda c=contract: _expire(c, today), f"end contract {contract.id}'s term"):
            done["expired"] += 1
    db.session.flush()
    return done


def _expire(contract: Contract, today: date) -> None:
    contract = lock(contract)
    _transition(contract, "expire", None, today=today, ends_on=contract.ends_on)
    contract.expired_on = today


# --- verification (验证) -----------------------------------------------------------------------


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


# --- reading -----------------------------------------------------------------------------------


def review_queue(officer: User) -> list[Contract]:
    """Contracts filed in the officer's region and awaiting a decision, the most urgent first;
    the federation sees every region's."""
    query = (
        select(Contract)
        .where(Contract.state == State.FILED, reviewer_scope(officer))
        .order_by(Contract.review_due)
    )
    return list(db.session.scalars(query))


# --- deadlines counted again when a provisional year's schedule arrives (app.deadlines) -------


def _parties(contract: Contract) -> list[User]:
    return _people(contract, Role.UNION_REP, Role.EMPLOYER_REP)


declare(
    Contract,
    "filing_due",
    label=N_("File with the labour administration"),
    running=lambda c: c.state == State.SIGNED,
    subject=lambda c: c,
    people=_parties,
    notify=_notify,
    flag="filing_reminded_at",
    fires_on_the_day=True,
)
declare(
    Contract,
    "review_due",
    label=N_("The labour administration's review ends"),
    running=lambda c: c.state == State.FILED,
    subject=lambda c: c,
    people=lambda c: list(dict.fromkeys(_parties(c) + reviewers(c))),
    notify=_notify,
)
declare(
    Contract,
    "publication_due",
    label=N_("Publish the contract to all staff"),
    running=lambda c: c.state == State.EFFECTIVE,
    subject=lambda c: c,
    people=_parties,
    notify=_notify,
    flag="publication_reminded_at",
    fires_on_the_day=True,
)
