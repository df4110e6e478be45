"""Everything that changes a contract: generating it, signing, filing, the review, taking effect,
publication, renewal and expiry. What only reads one (the PDF's data, verification, the review
queue) is in `app.contracts.util`.

Each operation locks the contract's row (FOR UPDATE on PostgreSQL), checks who acts, fires the
workflow trigger (409 with the reason), writes one audit event and queues notifications; the
request commits once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.audit.operations import record
from app.auth import operations as auth_operations
from app.auth.models import Role, User
from app.contracts import pdf, signing
from app.contracts.access import chief_side, renewal_data, require, reviewers, roles_of
from app.contracts.models import (
    Contract,
    ContractPublication,
    ContractRevision,
    ContractSignature,
)
from app.contracts.util import SIDE_TITLES, chiefs, contract_data, parties, people
from app.db import apart
from app.deadlines import declare, due_params, set_deadline
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from app.negotiations import operations as negotiation_operations
from app.negotiations.models import Negotiation
from app.notifications.operations import notify
from app.rulebook import lock, transition
from app.wage_grids.operations import set_current_grid
from workflows import contract as workflow
from workflows import rules
from workflows.contract import WORKFLOW, State
from workflows.messages import N_
from workflows.negotiation import State as NegotiationState

log = logging.getLogger(__name__)

# No 0/O or 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _transition(
    contract: Contract, trigger: str, actor: User | None, data: dict | None = None, **guards
) -> None:
    """Check the actor's roles on the locked contract, fire the trigger, write its event."""
    transition(contract, WORKFLOW, trigger, actor, roles_of(actor, contract), data=data, **guards)


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
    _notify(chiefs(contract), "contract_ready", contract)
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
            people(contract, Role.EMPLOYER_REP),
            "contract_signed",
            contract,
            **due_params(contract, "filing_due"),
        )
    else:
        _notify([u for u in chiefs(contract) if u.id != actor.id], "contract_to_sign", contract)
    return signature


def void(contract: Contract, actor: User, reason: str) -> None:
    """A chief refuses to sign: the contract is void and the talks reopen."""
    contract = lock(contract)
    require(contract, actor, "void")
    _transition(contract, "void", actor, data={"reason": reason.strip()}, reason=reason)
    contract.void_reason = reason.strip()
    db.session.flush()
    negotiation_operations.renegotiate(contract.negotiation, data={"contract_id": contract.id})
    _notify(parties(contract), "contract_void", contract)


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
        parties(contract),
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
        set_current_grid(
            contract.enterprise,
            None,
            [rules.GradeRow(r.grade, r.base_fen, r.allowance_fen, r.headcount) for r in grid.rows],
            note=f"工资专项集体合同 {contract.verification_code}",
        )
    _notify(
        parties(contract),
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
            people(contract, Role.EMPLOYER_REP),
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
            parties(contract),
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
            parties(contract),
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


# --- deadlines counted again when a provisional year's schedule arrives (app.deadlines) -------
# Declared with the operations: a recount that moves one tells the people concerned (`_notify`).

declare(
    Contract,
    "filing_due",
    label=N_("File with the labour administration"),
    running=lambda c: c.state == State.SIGNED,
    subject=lambda c: c,
    people=parties,
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
    people=lambda c: list(dict.fromkeys(parties(c) + reviewers(c))),
    notify=_notify,
)
declare(
    Contract,
    "publication_due",
    label=N_("Publish the contract to all staff"),
    running=lambda c: c.state == State.EFFECTIVE,
    subject=lambda c: c,
    people=parties,
    notify=_notify,
    flag="publication_reminded_at",
    fires_on_the_day=True,
)
