"""Everything that changes the congress: the roster, sessions and check-in, motions and the vote.

Casting a ballot takes a SHARE lock on the motion's row and closing takes an UPDATE lock (on
PostgreSQL): votes run side by side, a close waits for the votes in flight and every vote after
it sees the motion closed. So a vote racing the close is counted or refused, never lost.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.audit.operations import record
from app.auth.models import Role, User
from app.congress.models import (
    Attendance,
    Ballot,
    Congress,
    CongressSession,
    Delegate,
    Entitlement,
    Motion,
    MotionItem,
    Participation,
)
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from workflows import congress as workflow

ORGANISERS = (Role.CONGRESS_SECRETARY, Role.UNION_REP)


def _check_secretary(actor: User | None, enterprise_id: int) -> None:
    """The congress's working body (职代会工作机构: secretary and union) runs the sittings."""
    if actor is None or actor.is_federation_admin:
        return
    if not actor.has_role(enterprise_id, *ORGANISERS):
        raise NotPermitted(_("Only the congress secretary or the union runs the congress."))


def _lock_motion(motion: Motion, *, share: bool) -> Motion:
    return db.session.scalars(
        select(Motion)
        .where(Motion.id == motion.id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    ).one()


def delegate_of(user: User, congress: Congress) -> Delegate | None:
    return db.session.scalar(
        select(Delegate).where(
            Delegate.congress_id == congress.id, Delegate.user_id == user.id, Delegate.active
        )
    )


def present_delegate_ids(session: CongressSession) -> set[int]:
    return set(
        db.session.scalars(
            select(Attendance.delegate_id).where(Attendance.session_id == session.id)
        )
    )


def check_in(
    session: CongressSession,
    actor: User,
    *,
    code: str | None = None,
    delegate: Delegate | None = None,
) -> Attendance:
    """A delegate checks in with the session's code, or the secretary checks a delegate in."""
    congress = session.congress
    if delegate is None:
        delegate = delegate_of(actor, congress)
        if delegate is None:
            raise NotPermitted(_("Only a delegate of this congress checks in."))
        if (code or "").strip() != session.checkin_code:
            raise InvalidInput("code", _("That is not this session's check-in code."))
    else:
        _check_secretary(actor, congress.enterprise_id)
        if delegate.congress_id != congress.id or not delegate.active:
            raise InvalidInput("delegate_id", _("Not a delegate of this congress."))
    if session.state not in ("scheduled", "in_session"):
        raise Conflict(
            _(
                "Check-in is closed: the session is %(state)s.",
                state=_(workflow.STATE_LABELS[session.state]),
            )
        )
    attendance = Attendance(
        session_id=session.id, delegate_id=delegate.id, checked_in_by_id=actor.id
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("%(name)s is checked in already.", name=delegate.name)) from None
    # The attendance row is the record (who, when, checked in by whom); an audit event per
    # check-in would make a thousand delegates queue for one chain.
    return attendance


def cast_ballot(motion: Motion, actor: User, answers: dict[int, str]) -> None:
    """Record one delegate's vote on every item; refused whole, or counted whole."""
    motion = _lock_motion(motion, share=True)
    session = motion.session
    delegate = delegate_of(actor, session.congress)
    if delegate is None:
        raise NotPermitted(_("Only a delegate of this congress votes."))
    if motion.state != "open":
        raise Conflict(_("Voting on this motion is closed."))
    entitlement = db.session.scalar(
        select(Entitlement).where(
            Entitlement.motion_id == motion.id, Entitlement.delegate_id == delegate.id
        )
    )
    if entitlement is None:
        raise NotPermitted(_("You were not on the roster when the vote opened."))
    if motion.requires_presence and delegate.id not in present_delegate_ids(session):
        raise Conflict(_("Check in at the session before voting."))
    numbers = {item.number for item in motion.items}
    unknown = set(answers) - numbers
    if unknown:
        raise InvalidInput("answers", _("There is no item %(n)s on this motion.", n=min(unknown)))
    missing = numbers - set(answers)
    if missing:
        raise InvalidInput(
            "answers", _("Answer every item: item %(n)s has no answer.", n=min(missing))
        )
    bad = {n: a for n, a in answers.items() if a not in workflow.ANSWERS}
    if bad:
        raise InvalidInput("answers", _("Answer yes, no or abstain (item %(n)s).", n=min(bad)))
    try:
        with db.session.begin_nested():
            db.session.add(Participation(motion_id=motion.id, delegate_id=delegate.id))
            db.session.add(
                Ballot(
                    motion_id=motion.id,
                    answers={str(n): a for n, a in sorted(answers.items())},
                    named_voter_id=delegate.id if motion.ballot_kind == "named" else None,
                )
            )
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("You have voted on this motion already; a vote cannot be changed.")
        ) from None
    # No audit event per vote: the participation row records who voted and when, the seal
    # written at closing covers every ballot and participation, and the audit log never holds
    # a choice (DESIGN §8).


def participation_count(motion: Motion) -> int:
    return db.session.scalar(
        select(func.count(Participation.id)).where(Participation.motion_id == motion.id)
    )


# --- sessions -----------------------------------------------------------------------------------


def _transition(obj, trigger: str, actor: User | None, enterprise_id: int, **guard_kwargs):
    if actor is not None and not actor.is_federation_admin:
        roles = {"secretary"} if actor.has_role(enterprise_id, *ORGANISERS) else set()
        if not roles & workflow.roles_for(trigger, obj.state) and trigger in _triggers_from(obj):
            raise NotPermitted(
                _("You may not %(action)s.", action=_(workflow.ACTION_LABELS[trigger]))
            )
    before = obj.state
    workflow.fire(obj, trigger, **guard_kwargs)
    db.session.flush()
    record(obj, trigger, actor, from_state=before, to_state=obj.state)


def _triggers_from(obj) -> list[str]:
    machine = workflow.MOTION_MACHINE if isinstance(obj, Motion) else workflow.SESSION_MACHINE
    return machine.get_triggers(obj.state)


def open_session(session: CongressSession, actor: User) -> None:
    _transition(session, "open_session", actor, session.congress.enterprise_id)
    session.opened_at = clock.now()
    db.session.flush()


def adjourn_session(session: CongressSession, actor: User) -> None:
    open_motions = sum(1 for m in session.motions if m.state == "open")
    _transition(
        session, "adjourn", actor, session.congress.enterprise_id, open_motions=open_motions
    )
    session.adjourned_at = clock.now()
    db.session.flush()


# --- motions ------------------------------------------------------------------------------------


def create_motion(
    session: CongressSession,
    actor: User | None,
    *,
    title: str,
    items: list[tuple[str, str]],
    description: str = "",
    ballot_kind: str = "secret",
    requires_presence: bool = True,
    closes_at: datetime | None = None,
    negotiation=None,
) -> Motion:
    """A motion (议案) with its numbered items, still a draft."""
    _check_secretary(actor, session.congress.enterprise_id)
    if not title.strip():
        raise InvalidInput("title", _("A motion needs a title."))
    if not items:
        raise InvalidInput("items", _("A motion has at least one item."))
    if ballot_kind not in ("secret", "named"):
        raise InvalidInput("ballot_kind", _("A ballot is secret or named."))
    if negotiation is not None and ballot_kind != "secret":
        # 企业民主管理规定 Art 20: an important matter is voted by secret ballot.
        raise InvalidInput("ballot_kind", _("A contract draft is voted by secret ballot."))
    if session.state in workflow.SESSION_TERMINAL:
        raise Conflict(_("The session is over."))
    motion = Motion(
        session=session,
        title=title.strip(),
        description=description.strip(),
        ballot_kind=ballot_kind,
        requires_presence=requires_presence,
        closes_at=closes_at,
        negotiation=negotiation,
        created_by_id=actor.id if actor else None,
        state="draft",
    )
    motion.items = [
        MotionItem(number=n, title=t.strip(), text=x.strip())
        for n, (t, x) in enumerate(items, start=1)
    ]
    db.session.add(motion)
    db.session.flush()
    record(
        motion,
        "motion_created",
        actor,
        to_state="draft",
        data={"title": motion.title, "items": len(items), "ballot": ballot_kind},
    )
    return motion


def submit_draft(
    negotiation, session: CongressSession, actor: User, closes_at: datetime | None = None
) -> Motion:
    """An agreed negotiation's draft becomes a secret-ballot motion, one item per clause."""
    from app.negotiations import operations as negotiations

    if session.congress.enterprise_id != negotiation.enterprise_id:
        raise InvalidInput("session_id", _("That session belongs to another enterprise."))
    negotiations.submit_to_congress(negotiation, actor)
    items = [(item.title, item.text) for item in negotiations.draft_items(negotiation)]
    return create_motion(
        session,
        actor,
        title=negotiation.subject,
        items=items,
        description=_("The draft agreed by both sides, item by item."),
        closes_at=closes_at,
        negotiation=negotiation,
    )


def open_voting(motion: Motion, actor: User, now: datetime | None = None) -> None:
    """Open the vote, with quorum; snapshot who may vote and who is present (Art 36)."""
    motion = _lock_motion(motion, share=False)
    session = motion.session
    congress = session.congress
    delegates = congress.active_delegates
    present = present_delegate_ids(session)
    present_count = sum(1 for d in delegates if d.id in present)
    _transition(
        motion,
        "open_voting",
        actor,
        congress.enterprise_id,
        session_state=session.state,
        present=present_count,
        total=len(delegates),
        profile=congress.enterprise.region.rule_profile,
        items=len(motion.items),
    )
    motion.opened_at = now or clock.now()
    motion.entitled_count, motion.present_count = len(delegates), present_count
    db.session.add_all(
        Entitlement(motion_id=motion.id, delegate_id=d.id, present=d.id in present)
        for d in delegates
    )
    db.session.flush()


def close_voting(motion: Motion, actor: User | None, now: datetime | None = None):
    """Close the vote, count it, seal the ballots, and send a draft's result to its
    negotiation: every item passed → ratified, otherwise back to the talks."""
    motion = _lock_motion(motion, share=False)
    congress = motion.session.congress
    _transition(motion, "close_voting", actor, congress.enterprise_id)
    motion.closed_at = now or clock.now()
    ballots = list(db.session.scalars(select(Ballot).where(Ballot.motion_id == motion.id)))
    participants = list(
        db.session.scalars(
            select(Participation.delegate_id).where(Participation.motion_id == motion.id)
        )
    )
    result = workflow.tally(
        ({int(n): a for n, a in b.answers.items()} for b in ballots),
        [item.number for item in motion.items],
        motion.entitled_count,
        motion.present_count,
        congress.enterprise.region.rule_profile,
    )
    motion.result = result.result
    motion.tally = {
        "voted": result.voted,
        "items": {
            str(i.number): {
                "yes": i.yes,
                "no": i.no,
                "abstain": i.abstain,
                "blank": i.blank,
                "passed": i.passed,
                "needed": i.needed,
            }
            for i in result.items
        },
    }
    motion.seal = workflow.seal(
        [
            workflow.ballot_line(b.ballot_id, {int(n): a for n, a in b.answers.items()})
            for b in ballots
        ],
        [workflow.participation_line(d) for d in participants],
    )
    db.session.flush()
    record(
        motion,
        "sealed",
        actor,
        data={
            "seal": motion.seal,
            "ballots": len(ballots),
            "participations": len(participants),
            "result": result.result,
            "failed_items": result.failed_items,
        },
    )
    if motion.negotiation is not None:
        from app.negotiations import operations as negotiations

        negotiations.congress_result(motion.negotiation, result.failed_items)
    return result


def seal_intact(motion: Motion) -> bool:
    """Recompute the seal from the stored ballots and participations."""
    ballots = db.session.scalars(select(Ballot).where(Ballot.motion_id == motion.id))
    participants = db.session.scalars(
        select(Participation.delegate_id).where(Participation.motion_id == motion.id)
    )
    return motion.seal == workflow.seal(
        [
            workflow.ballot_line(b.ballot_id, {int(n): a for n, a in b.answers.items()})
            for b in ballots
        ],
        [workflow.participation_line(d) for d in participants],
    )
