"""Writing and verifying the audit log."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.models import GENESIS, AuditEvent, AuditHead, head_mac
from app.db import utcnow
from app.extensions import db
from workflows.congress import MotionState

log = logging.getLogger("accord.audit")

# How each action reads in a history list; a domain adds its own actions here.
ACTION_LABELS = {
    "holiday_schedule_set": _l("Holiday schedule entered"),
    "signed_out": _l("Signed out everywhere"),
    "deadline_recounted": _l("Deadline counted again on the official holiday schedule"),
    "user_created": _l("User created"),
    "user_updated": _l("User updated"),
    "profile_updated": _l("Profile updated"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by an administrator"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "region_created": _l("Region created"),
    "region_updated": _l("Rule profile changed"),
    "guideline_set": _l("Wage guideline set"),
    "enterprise_created": _l("Enterprise created"),
    "enterprise_updated": _l("Enterprise details changed"),
    "membership_added": _l("Member added"),
    "membership_removed": _l("Member removed"),
    # negotiations (集体协商)
    "opened": _l("Negotiation opened as a draft"),
    "request_edited": _l("Written request edited"),
    "send_request": _l("Written request sent"),
    "accept": _l("Request accepted"),
    "refuse": _l("Request refused"),
    "response_overdue": _l("Written response overdue"),
    "escalate": _l("Dispute coordination asked for"),
    "withdraw": _l("Request withdrawn"),
    "representative_appointed": _l("Representative appointed"),
    "representative_vacated": _l("Representative left"),
    "refill_overdue": _l("Vacant seat not refilled in time"),
    "recorder_set": _l("Recorder named"),
    "start_talks": _l("Talks started"),
    "round_scheduled": _l("Round scheduled"),
    "minutes_written": _l("Minutes written"),
    "minutes_confirmed": _l("Minutes confirmed"),
    "proposal_submitted": _l("Wage grid proposed"),
    "proposal_accepted": _l("Proposal accepted"),
    "clauses_changed": _l("Clauses changed"),
    "item_added": _l("Draft item added"),
    "item_changed": _l("Draft item changed"),
    "item_removed": _l("Draft item removed"),
    "suspension_proposed": _l("Suspension proposed"),
    "suspend": _l("Talks suspended"),
    "resume": _l("Talks resumed"),
    "extend_dispute": _l("Dispute coordination extended"),
    "resolve_dispute": _l("Dispute resolved"),
    "dispute_overdue": _l("Dispute coordination past its end"),
    "abandon": _l("Negotiation abandoned"),
    "agree": _l("Draft agreed"),
    "reopen": _l("Talks reopened"),
    "current_grid_set": _l("Current wage grid recorded"),
    "submit_to_congress": _l("Draft sent to the workers' congress"),
    "withdraw_from_congress": _l("Draft withdrawn from the workers' congress"),
    "ratify": _l("Draft adopted by the workers' congress"),
    "reject": _l("Draft not adopted by the workers' congress"),
    "renegotiate": _l("Talks reopened on the contract"),
    # the workers' congress (职代会)
    "congress_created": _l("Workers' congress set up"),
    "delegate_added": _l("Delegate added"),
    "delegate_deactivated": _l("Delegate deactivated"),
    "delegate_reactivated": _l("Delegate reactivated"),
    "roster_imported": _l("Delegate roster imported"),
    "scheduled": _l("Sitting scheduled"),
    "open_session": _l("Sitting opened"),
    "adjourn": _l("Sitting adjourned"),
    "cancel_session": _l("Sitting called off"),
    "motion_created": _l("Motion tabled"),
    "open_voting": _l("Vote opened"),
    "close_voting": _l("Vote closed and counted"),
    "sealed": _l("Vote sealed"),
    "cancel_motion": _l("Motion withdrawn"),
    # contracts (集体合同)
    "generated": _l("Contract generated from the ratified draft"),
    "sign": _l("Signed"),
    "void": _l("Refused at signing: the contract is void"),
    "file": _l("Filed with the labour administration"),
    "approve": _l("Approved by the labour administration"),
    "object": _l("Returned with a written objection"),
    "deem_approved": _l("Deemed approved: no objection within the review period"),
    "publication_recorded": _l("Publication recorded by one side"),
    "publish": _l("Published to all staff"),
    "renewal_requested": _l("Renewal asked for"),
    "expire": _l("The term ended"),
    # signing keys
    "ca_created": _l("Signing authority created"),
    "ca_key_resealed": _l("Signing authority's key sealed again at today's cost"),
    "signing_key_issued": _l("Signing key issued"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def anchor_key() -> bytes:
    """The key of the chains' heads, derived from SECRET_KEY (kept outside the database)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"accord audit anchor v1", hashlib.sha256).digest()


def subject_key(subject) -> tuple[str, int]:
    return subject.__tablename__, subject.id


def record(
    subject,
    action: str,
    actor=None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to `subject`'s chain and log one line. `data` holds no floats."""
    subject_type, subject_id = subject_key(subject)
    if subject_id is None:
        db.session.flush()
        subject_type, subject_id = subject_key(subject)
    last = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    event = AuditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        seq=(last.seq + 1) if last else 1,
        created_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    head = db.session.get(AuditHead, (subject_type, subject_id)) or AuditHead(
        subject_type=subject_type, subject_id=subject_id
    )
    head.length, head.head_hash = event.seq, event.hash
    head.mac = head_mac(anchor_key(), subject_type, subject_id, event.seq, event.hash)
    db.session.add(head)
    db.session.flush()
    log.info(
        "%s %s#%s %s %s→%s by %s",
        action,
        subject_type,
        subject_id,
        event.seq,
        from_state,
        to_state,
        actor.username if actor is not None else "system",
    )
    return event


def history(subject) -> list[AuditEvent]:
    subject_type, subject_id = subject_key(subject)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.seq)
        )
    )


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    subject_type: str
    subject_id: int
    seq: int
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.subject_type}#{self.subject_id} event {self.seq} (id {self.event_id}): "
            f"{self.reason}"
        )


def verify_chains() -> tuple[int, BrokenLink | None]:
    """Recompute every chain and check it against its anchored head, and every closed motion's
    seal and published counts against its sealed event; return the number of events checked and
    the first break found."""
    checked = 0
    key = anchor_key()
    heads = {(h.subject_type, h.subject_id): h for h in db.session.scalars(select(AuditHead))}
    expected_prev: dict[tuple[str, int], tuple[int, str, int]] = {}
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.seq)
    )
    for event in events:
        checked += 1
        subject = (event.subject_type, event.subject_id)
        seq, prev, _id = expected_prev.get(subject, (0, GENESIS, 0))
        if event.seq != seq + 1:
            reason = f"sequence jumps from {seq} to {event.seq} (an event was removed)"
        elif event.prev_hash != prev:
            reason = "its previous-hash does not match the event before it"
        elif event.hash != event.compute_hash():
            reason = "its content does not match its hash (the event was edited)"
        else:
            expected_prev[subject] = (event.seq, event.hash, event.id)
            continue
        link = BrokenLink(event.id, event.subject_type, event.subject_id, event.seq, reason)
        return checked, link
    for subject, (seq, last_hash, event_id) in expected_prev.items():
        head = heads.pop(subject, None)
        reason = _head_problem(key, subject, head, seq, last_hash)
        if reason is not None:
            return checked, BrokenLink(event_id, *subject, seq, reason)
    for subject, head in sorted(heads.items()):
        reason = f"its chain of {head.length} events is gone (the whole chain was deleted)"
        return checked, BrokenLink(0, *subject, head.length, reason)
    broken = _seal_problem()
    return checked, broken


def _head_problem(key: bytes, subject, head: AuditHead | None, seq: int, last_hash: str):
    if head is None:
        return "its chain has no anchored head (the head was deleted)"
    if head.mac != head_mac(key, *subject, head.length, head.head_hash):
        return "its anchored head does not carry a valid MAC (the head was forged)"
    if head.length > seq:
        return (
            f"the chain ends at event {seq} but {head.length} were recorded (its tail was deleted)"
        )
    if head.length != seq or head.head_hash != last_hash:
        return "the chain's last event is not the one recorded (events were rewritten)"
    return None


def _seal_problem() -> BrokenLink | None:
    """A closed motion whose seal or published counts differ from its sealed event, or that has
    no sealed event at all."""
    from app.congress.models import Motion

    sealed = {
        e.subject_id: e
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == Motion.__tablename__, AuditEvent.action == "sealed"
            )
        )
    }
    closed = db.session.execute(
        select(Motion.id, Motion.seal, Motion.tally, Motion.result).where(
            Motion.state == MotionState.CLOSED
        )
    )
    for motion_id, seal, tally, result in closed:
        event = sealed.get(motion_id)
        if event is None:
            reason = "the closed motion has no sealed event (its chain was deleted)"
        elif event.data.get("seal") != seal:
            reason = "the motion's seal differs from the one recorded when it closed"
        elif "tally" in event.data and (event.data["tally"], event.data["result"]) != (
            tally,
            result,
        ):
            reason = "the motion's published counts differ from those sealed when it closed"
        else:
            continue
        return BrokenLink(
            event.id if event else 0,
            Motion.__tablename__,
            motion_id,
            event.seq if event else 0,
            reason,
        )
    return None
