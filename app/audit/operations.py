"""Writing and verifying the audit log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.models import GENESIS, AuditEvent
from app.db import utcnow
from app.extensions import db

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
    """Recompute every chain; return the number of events checked and the first broken link."""
    checked = 0
    expected_prev: dict[tuple[str, int], tuple[int, str]] = {}
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.seq)
    )
    for event in events:
        checked += 1
        key = (event.subject_type, event.subject_id)
        seq, prev = expected_prev.get(key, (0, GENESIS))
        if event.seq != seq + 1:
            reason = f"sequence jumps from {seq} to {event.seq} (an event was removed)"
        elif event.prev_hash != prev:
            reason = "its previous-hash does not match the event before it"
        elif event.hash != event.compute_hash():
            reason = "its content does not match its hash (the event was edited)"
        else:
            expected_prev[key] = (event.seq, event.hash)
            continue
        link = BrokenLink(event.id, event.subject_type, event.subject_id, event.seq, reason)
        return checked, link
    return checked, None
