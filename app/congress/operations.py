"""Everything that changes the congress: the roster, sessions and check-in, motions and the vote.

Casting a ballot takes a SHARE lock on the motion's row and closing takes an UPDATE lock (on
PostgreSQL): votes run side by side, a close waits for the votes in flight and every vote after
it sees the motion closed. So a vote racing the close is counted or refused, never lost.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.audit.operations import record
from app.auth import operations as auth_operations
from app.auth.models import Role, User
from app.congress.access import not_a_delegate, require_organiser, roles_of
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
    new_ballot_id,
)
from app.congress.roster import RosterRejected, RosterReport
from app.contracts import operations as contract_operations
from app.db import apart, insert_unless_present, transaction_cache, utcnow
from app.errors import AccordError, Conflict, InvalidInput, NotPermitted, translate
from app.extensions import db
from app.negotiations import operations as negotiation_operations
from app.negotiations.queries import draft_items
from app.rulebook import check, lock, transition
from workflows import congress as workflow
from workflows import rules
from workflows.congress import MotionState
from workflows.negotiation import State as NegotiationState

# --- the congress and its roster (职工代表名单) -------------------------------------------------


GENDERS = {
    **dict.fromkeys(("男", "male", "m"), "male"),
    **dict.fromkeys(("女", "female", "f"), "female"),
}

FLAGS = {
    **dict.fromkeys(("是", "yes", "y", "1", "true"), True),
    **dict.fromkeys(("否", "no", "n", "0", "false"), False),
}


def current_congress(enterprise) -> Congress | None:
    """The enterprise's congress of the latest term (届)."""
    return db.session.scalar(
        select(Congress)
        .where(Congress.enterprise_id == enterprise.id)
        .order_by(Congress.term_start.desc(), Congress.id.desc())
        .limit(1)
    )


def create_congress(enterprise, actor: User | None, name: str, term_start: date, term_end: date):
    """The enterprise's workers' congress for a term; one term does not overlap another."""
    require_organiser(actor, enterprise.id)
    if not (name or "").strip():
        raise InvalidInput("name", _("A congress needs a name, e.g. 第三届职工代表大会."))
    if term_start is None or term_end is None or term_end <= term_start:
        raise InvalidInput("term_end", _("The term ends after it starts."))
    current = current_congress(enterprise)
    if current is not None and current.term_end >= term_start:
        raise Conflict(_("The congress %(name)s sits until then.", name=current.name))
    congress = Congress(
        enterprise_id=enterprise.id, name=name.strip(), term_start=term_start, term_end=term_end
    )
    db.session.add(congress)
    db.session.flush()
    record(
        congress,
        "congress_created",
        actor,
        data={"name": congress.name, "term": [term_start.isoformat(), term_end.isoformat()]},
    )
    return congress


def roster_warnings(congress: Congress) -> list[str]:
    """What is wrong with the active roster, in words (企业民主管理规定 Art 12-13)."""
    delegates = congress.active_delegates
    managers = sum(1 for d in delegates if d.is_manager)
    profile = congress.enterprise.region.rule_profile
    return [translate(m) for m in rules.roster_warnings(len(delegates), managers, profile)]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _delegate_problems(congress: Congress, values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """A roster line's values made ready for a Delegate, and every (field, reason) it cannot
    be one."""
    labels = {
        "employee_no": _("employee number"),
        "name": _("name"),
        "username": _("username"),
        "constituency": _("constituency"),
        "is_manager": _("manager"),
        "gender": _("gender"),
    }
    problems = [
        (key, _("The %(column)s is missing.", column=label))
        for key, label in labels.items()
        if _blank(values.get(key))
    ]
    clean = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    gender = clean.get("gender")
    if isinstance(gender, str) and gender:
        clean["gender"] = GENDERS.get(gender.lower())
        if clean["gender"] is None:
            problems.append(
                ("gender", _("The gender is 男/女 (male/female), not %(value)s.", value=gender))
            )
    flag = clean.get("is_manager")
    if isinstance(flag, str) and flag:
        clean["is_manager"] = FLAGS.get(flag.lower())
        if clean["is_manager"] is None:
            problems.append(
                ("is_manager", _("Manager is 是/否 (yes/no), not %(value)s.", value=flag))
            )
    username = clean.get("username")
    if username:
        user = auth_operations.find_user(username)
        # One answer for a stranger and a member of another enterprise: nothing is revealed.
        if user is None or congress.enterprise_id not in user.enterprise_ids:
            problems.append(
                (
                    "username",
                    _(
                        "No member of this enterprise has the username %(username)s.",
                        username=username,
                    ),
                )
            )
        else:
            clean["user"] = user
    return clean, problems


def _roster_keys(congress: Congress) -> tuple[set[str], set[int]]:
    """Employee numbers and user ids on the roster, deactivated delegates included."""
    rows = db.session.execute(
        select(Delegate.employee_no, Delegate.user_id).where(Delegate.congress_id == congress.id)
    ).all()
    return {r.employee_no for r in rows}, {r.user_id for r in rows}


def _enrol(congress: Congress, actor: User | None, clean: dict) -> Delegate:
    user = clean["user"]
    auth_operations.ensure_membership(user, congress.enterprise, Role.DELEGATE, actor)
    delegate = Delegate(
        congress_id=congress.id,
        user_id=user.id,
        employee_no=clean["employee_no"],
        name=clean["name"],
        constituency=clean["constituency"],
        is_manager=clean["is_manager"],
        gender=clean["gender"],
    )
    db.session.add(delegate)
    return delegate


def add_delegate(
    congress: Congress,
    actor: User | None,
    *,
    username: str,
    employee_no: str,
    name: str,
    constituency: str,
    is_manager: bool,
    gender: str,
) -> Delegate:
    """Put a member of the enterprise on the roster; they get the delegate role if they lack it."""
    require_organiser(actor, congress.enterprise_id)
    clean, problems = _delegate_problems(
        congress,
        {
            "username": username,
            "employee_no": employee_no,
            "name": name,
            "constituency": constituency,
            "is_manager": bool(is_manager),
            "gender": gender,
        },
    )
    if problems:
        field, message = problems[0]
        exc = InvalidInput(field, message)
        for field, message in problems[1:]:
            exc.details.setdefault(field, []).append(message)
        raise exc
    numbers, users = _roster_keys(congress)
    if clean["employee_no"] in numbers:
        raise InvalidInput(
            "employee_no",
            _("Employee number %(no)s is on the roster already.", no=clean["employee_no"]),
        )
    if clean["user"].id in users:
        raise InvalidInput(
            "username", _("%(name)s is on the roster already.", name=clean["user"].full_name)
        )
    delegate = _enrol(congress, actor, clean)
    db.session.flush()
    record(
        congress,
        "delegate_added",
        actor,
        data={"delegate_id": delegate.id, "employee_no": delegate.employee_no},
    )
    return delegate


def deactivate_delegate(delegate: Delegate, actor: User | None) -> None:
    """Take a delegate off the active roster (their votes so far stay counted)."""
    require_organiser(actor, delegate.congress.enterprise_id)
    if not delegate.active:
        raise Conflict(_("%(name)s is no longer a delegate.", name=delegate.name))
    _take_off_roster(delegate, actor)


def _take_off_roster(delegate: Delegate, actor: User | None, **why) -> None:
    delegate.active = False
    db.session.flush()
    record(
        delegate.congress,
        "delegate_deactivated",
        actor,
        data={"delegate_id": delegate.id, "employee_no": delegate.employee_no, **why},
    )


def end_delegate_standing(user: User, enterprise_id: int | None, actor: User | None) -> None:
    """A person no longer a member (or no longer active) is no longer a delegate: their votes
    not yet cast are refused and they leave the quorum base of what opens next; a motion open
    now keeps the entitlement it snapshotted when it opened (DESIGN §4)."""
    query = select(Delegate).where(Delegate.user_id == user.id, Delegate.active)
    if enterprise_id is not None:
        query = query.join(Congress).where(Congress.enterprise_id == enterprise_id)
    for delegate in db.session.scalars(query).all():
        _take_off_roster(delegate, actor, reason="membership_ended")


auth_operations.PART_ENDED.append(end_delegate_standing)


def reactivate_delegate(delegate: Delegate, actor: User | None) -> None:
    """Put a deactivated delegate back on the active roster (恢复代表资格), with the delegate
    role if they lost it, as `add_delegate` gives it.

    Nobody can have taken their place meanwhile: a user and an employee number are on a
    congress's roster once, deactivated delegates included (the unique constraints on
    `delegates`), so it is this row that comes back."""
    congress = delegate.congress
    require_organiser(actor, congress.enterprise_id)
    if delegate.active:
        raise Conflict(_("%(name)s is on the active roster already.", name=delegate.name))
    user = delegate.user
    if congress.enterprise_id not in user.enterprise_ids:
        # Back on the roster, they would count towards the quorum but could not see the vote.
        raise Conflict(_("%(name)s is no longer a member of this enterprise.", name=delegate.name))
    auth_operations.ensure_membership(user, congress.enterprise, Role.DELEGATE, actor)
    delegate.active = True
    db.session.flush()
    record(
        congress,
        "delegate_reactivated",
        actor,
        data={"delegate_id": delegate.id, "employee_no": delegate.employee_no},
    )


def import_roster(congress: Congress, actor: User | None, rows: list[dict]) -> RosterReport:
    """Import the rows of `roster.read_roster`, all or none: every row is judged first, and any
    failing row (with its number and every reason) rejects the whole file (RosterRejected)."""
    require_organiser(actor, congress.enterprise_id)
    numbers, users = _roster_keys(congress)
    seen_numbers: dict[str, int] = {}
    seen_users: dict[int, int] = {}
    failures: dict[int, list[str]] = {}
    ready = []
    for row in rows:
        number = row["row"]
        clean, found = _delegate_problems(congress, row)
        problems = [message for _field, message in found]
        employee_no = clean.get("employee_no")
        if employee_no:
            if employee_no in numbers:
                problems.append(
                    _("Employee number %(no)s is on the roster already.", no=employee_no)
                )
            elif employee_no in seen_numbers:
                problems.append(
                    _(
                        "Employee number %(no)s is on row %(row)d too.",
                        no=employee_no,
                        row=seen_numbers[employee_no],
                    )
                )
            else:
                seen_numbers[employee_no] = number
        user = clean.get("user")
        if user is not None:
            if user.id in users:
                problems.append(_("%(name)s is on the roster already.", name=user.username))
            elif user.id in seen_users:
                problems.append(
                    _(
                        "%(name)s is on row %(row)d too.",
                        name=user.username,
                        row=seen_users[user.id],
                    )
                )
            else:
                seen_users[user.id] = number
        if problems:
            failures[number] = problems
        else:
            ready.append(clean)
    if failures:
        raise RosterRejected(failures)
    for clean in ready:
        _enrol(congress, actor, clean)
    db.session.flush()
    db.session.refresh(congress, ["delegates"])
    record(congress, "roster_imported", actor, data={"imported": len(ready)})
    return RosterReport(imported=len(ready), warnings=roster_warnings(congress))


@cache
def _delegate_of() -> Select:
    return select(Delegate).where(
        Delegate.congress_id == bindparam("congress_id"),
        Delegate.user_id == bindparam("user_id"),
        Delegate.active,
    )


def delegate_of(user: User, congress: Congress) -> Delegate | None:
    return db.session.scalar(_delegate_of(), {"congress_id": congress.id, "user_id": user.id})


# --- sessions (会议) ----------------------------------------------------------------------------


def _transition(obj, trigger: str, actor: User | None, enterprise_id: int, **guard_kwargs):
    """Check the actor's roles on the sitting or motion, fire the trigger, write its event."""
    workflow_of = workflow.MOTION_WORKFLOW if isinstance(obj, Motion) else workflow.SESSION_WORKFLOW
    transition(obj, workflow_of, trigger, actor, roles_of(actor, enterprise_id), **guard_kwargs)


def schedule_session(
    congress: Congress,
    actor: User | None,
    kind: str,
    title: str,
    agenda: str,
    scheduled_at: datetime,
    place: str,
) -> CongressSession:
    """A sitting of the congress (职代会会议), regular or special, with its check-in code."""
    require_organiser(actor, congress.enterprise_id)
    if kind not in ("regular", "special"):
        raise InvalidInput("kind", _("A session is regular or special."))
    if not (title or "").strip():
        raise InvalidInput("title", _("A session needs a title."))
    if not (place or "").strip():
        raise InvalidInput("place", _("Where does the congress sit?"))
    if scheduled_at is None or scheduled_at.tzinfo is None:
        raise InvalidInput("scheduled_at", _("When does the congress sit?"))
    session = CongressSession(
        congress=congress,
        kind=kind,
        title=title.strip(),
        agenda=(agenda or "").strip(),
        scheduled_at=scheduled_at,
        place=place.strip(),
        state="scheduled",
    )
    db.session.add(session)
    db.session.flush()
    record(session, "scheduled", actor, to_state="scheduled", data={"title": session.title})
    return session


def open_session(session: CongressSession, actor: User) -> None:
    _transition(session, "open_session", actor, session.congress.enterprise_id)
    session.opened_at = clock.now()
    db.session.flush()


def adjourn_session(session: CongressSession, actor: User) -> None:
    open_motions = sum(1 for m in session.motions if m.state == MotionState.OPEN)
    _transition(
        session, "adjourn", actor, session.congress.enterprise_id, open_motions=open_motions
    )
    session.adjourned_at = clock.now()
    db.session.flush()


def cancel_session(session: CongressSession, actor: User) -> None:
    """Call off a sitting that has not opened (会议取消); its motions are cancelled first."""
    draft_motions = sum(1 for m in session.motions if m.state == MotionState.DRAFT)
    _transition(
        session,
        "cancel_session",
        actor,
        session.congress.enterprise_id,
        draft_motions=draft_motions,
    )


# --- attendance and check-in (签到) -------------------------------------------------------------


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
    """A delegate checks in with the session's code while the session sits, or the secretary
    checks a delegate in (before the opening too)."""
    congress = session.congress
    if session.state not in workflow.CHECK_IN_STATES:
        raise Conflict(
            _(
                "Check-in is closed: the session is %(state)s.",
                state=_(workflow.STATE_LABELS[session.state]),
            )
        )
    if delegate is None:
        delegate = delegate_of(actor, congress)
        if delegate is None:
            raise not_a_delegate("check_in")
        # Refused before the code is compared, so a code cannot be tried before the sitting.
        if session.state not in workflow.SELF_CHECK_IN_STATES:
            raise Conflict(_("Check-in with the code opens when the session opens."))
        if (code or "").strip() != session.checkin_code:
            raise InvalidInput("code", _("That is not this session's check-in code."))
    else:
        require_organiser(actor, congress.enterprise_id)
        if delegate.congress_id != congress.id or not delegate.active:
            raise InvalidInput("delegate_id", _("Not a delegate of this congress."))
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


def attendance_of(session: CongressSession) -> tuple[int, int, int]:
    """(present, delegates, needed): active delegates checked in, all active delegates, and
    the quorum (集体合同规定 Art 36: at least 2/3 of all delegates)."""
    delegates = session.congress.active_delegates
    present = present_delegate_ids(session)
    total = len(delegates)
    profile = session.congress.enterprise.region.rule_profile
    return sum(1 for d in delegates if d.id in present), total, rules.quorum_needed(total, profile)


# --- motions (议案) -----------------------------------------------------------------------------


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
    require_organiser(actor, session.congress.enterprise_id)
    if not title.strip():
        raise InvalidInput("title", _("A motion needs a title."))
    if not items:
        raise InvalidInput("items", _("A motion has at least one item."))
    if ballot_kind not in ("secret", "named"):
        raise InvalidInput("ballot_kind", _("A ballot is secret or named."))
    if negotiation is not None and ballot_kind != "secret":
        # 企业民主管理规定 Art 20: an important matter is voted by secret ballot.
        raise InvalidInput("ballot_kind", _("A contract draft is voted by secret ballot."))
    check(
        workflow.SESSION_WORKFLOW,
        "create_motion",
        session.state,
        roles_of(actor, session.congress.enterprise_id),
    )
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
    if session.congress.enterprise_id != negotiation.enterprise_id:
        raise InvalidInput("session_id", _("That session belongs to another enterprise."))
    negotiation_operations.submit_to_congress(negotiation, actor)
    items = [(item.title, item.text) for item in draft_items(negotiation)]
    return create_motion(
        session,
        actor,
        title=negotiation.subject,
        items=items,
        description=_("The draft agreed by both sides, item by item."),
        closes_at=closes_at,
        negotiation=negotiation,
    )


def cancel_motion(motion: Motion, actor: User) -> None:
    """Withdraw a motion before or during its vote; its ballots, if any, are never counted.

    A contract draft's motion hands the draft back: its negotiation returns to `agreed`, to be
    submitted to another sitting (集体合同规定 Art 36)."""
    motion = lock(motion)
    _transition(motion, "cancel_motion", actor, motion.session.congress.enterprise_id)
    motion.closed_at = clock.now()
    db.session.flush()
    if motion.negotiation is not None:
        negotiation_operations.withdraw_from_congress(motion.negotiation, motion)


# --- voting (表决) ------------------------------------------------------------------------------


def open_voting(motion: Motion, actor: User, now: datetime | None = None) -> None:
    """Open the vote, with quorum; snapshot who may vote and who is present (Art 36)."""
    motion = lock(motion)
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


def cast_ballot(motion: Motion, actor: User, answers: dict[int, str]) -> None:
    """Record one delegate's vote on every item; refused whole, or counted whole."""
    standing = voter_standing(motion, actor)
    refusal = vote_refusal(motion, standing)
    if refusal is not None:
        raise refusal
    # Items are numbered 1..n when the motion is created and never change (create_motion).
    numbers = set(range(1, standing.items + 1))
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
    voted = insert_unless_present(
        db.session,
        Participation.__table__,
        {"motion_id": motion.id, "delegate_id": standing.delegate_id, "voted_at": utcnow()},
        unique=("motion_id", "delegate_id"),
    )
    if not voted:
        raise Conflict(_("You have voted on this motion already; a vote cannot be changed."))
    db.session.execute(
        Ballot.__table__.insert(),
        {
            "ballot_id": new_ballot_id(),
            "motion_id": motion.id,
            "answers": {str(n): a for n, a in sorted(answers.items())},
            "named_voter_id": standing.delegate_id if motion.ballot_kind == "named" else None,
        },
    )
    # No audit event per vote: the participation row records who voted and when, the seal
    # written at closing covers every ballot and participation, and the audit log never holds
    # a choice (DESIGN §8).


def vote_refusal(motion: Motion, standing: Standing) -> AccordError | None:
    """Why someone with this standing cannot vote on the motion now; None if they can. The vote
    refuses with it, and the voting page shows it before the ballot is filled in."""
    if standing.delegate_id is None:
        return not_a_delegate("vote")
    if standing.state == MotionState.DRAFT:
        return Conflict(_("Voting on this motion has not opened yet."))
    if standing.state != MotionState.OPEN:
        return Conflict(_("Voting on this motion is closed."))
    if standing.closes_at is not None and clock.now() >= standing.closes_at:
        # The tick closes a due motion later (close_due_motions); until it has, the closing
        # time alone shuts the vote (DESIGN §4).
        return Conflict(
            _(
                "Voting on this motion closed at %(time)s.",
                time=standing.closes_at.astimezone(clock.CHINA).strftime("%H:%M"),
            )
        )
    if not standing.entitled:
        return NotPermitted(_("You were not on the roster when the vote opened."))
    if motion.requires_presence and not standing.checked_in:
        return Conflict(_("Check in at the session before voting."))
    return None


class Standing(NamedTuple):
    """Where a user stands on a motion, read under the motion's SHARE lock."""

    state: str
    closes_at: datetime | None
    delegate_id: int | None
    entitled: bool
    checked_in: bool
    items: int


@cache
def _standing_query() -> Select:
    """The hot path of a congress vote, built once: the statement's shape never changes. The
    motion comes as an object (the identity map's, if the request loaded it already) and its
    state and closing time once more as columns, read under the lock whatever the object holds."""
    items = (
        select(func.count(MotionItem.id)).where(MotionItem.motion_id == Motion.id).scalar_subquery()
    )
    return (
        select(
            Motion,
            Motion.state,
            Motion.closes_at,
            Delegate.id,
            Entitlement.id,
            Attendance.id,
            items,
        )
        .join(CongressSession, CongressSession.id == Motion.session_id)
        .outerjoin(
            Delegate,
            (Delegate.congress_id == CongressSession.congress_id)
            & (Delegate.user_id == bindparam("user_id"))
            & Delegate.active,
        )
        .outerjoin(
            Entitlement,
            (Entitlement.motion_id == Motion.id) & (Entitlement.delegate_id == Delegate.id),
        )
        .outerjoin(
            Attendance,
            (Attendance.session_id == Motion.session_id) & (Attendance.delegate_id == Delegate.id),
        )
        .where(Motion.id == bindparam("motion_id"))
        .with_for_update(read=True, of=Motion)
    )


def motion_to_vote(motion_id: int, actor: User) -> Motion | None:
    """The motion with the actor's standing on it, in one round trip under a SHARE lock on the
    motion's row: its state, closing time and item count, the actor's delegate id in its
    congress, and whether they are entitled and checked in. None when there is no such motion.

    The lock is what makes a vote racing the close safe (see the module's docstring) and it is
    held to the end of the transaction, so the standing is kept for the transaction: the API's
    access check and the vote itself read it once."""
    row = db.session.execute(
        _standing_query(), {"motion_id": motion_id, "user_id": actor.id}
    ).one_or_none()
    if row is None:
        return None
    motion, state, closes_at, delegate_id, entitlement_id, attendance_id, items = row
    transaction_cache(db.session)[("voter_standing", motion_id, actor.id)] = Standing(
        state, closes_at, delegate_id, entitlement_id is not None, attendance_id is not None, items
    )
    return motion


def voter_standing(motion: Motion, actor: User) -> Standing:
    """The actor's standing on the motion (motion_to_vote), read once per transaction."""
    key = ("voter_standing", motion.id, actor.id)
    if key not in transaction_cache(db.session):
        motion_to_vote(motion.id, actor)
    return transaction_cache(db.session)[key]


def participation_count(motion: Motion) -> int:
    return db.session.scalar(
        select(func.count(Participation.id)).where(Participation.motion_id == motion.id)
    )


# --- closing and the tally (计票) ---------------------------------------------------------------


def close_voting(motion: Motion, actor: User | None, now: datetime | None = None):
    """Close the vote, count it, seal the ballots, and send a draft's result to its
    negotiation: every item passed → ratified, otherwise back to the talks."""
    motion = lock(motion)
    congress = motion.session.congress
    _transition(motion, "close_voting", actor, congress.enterprise_id)
    motion.closed_at = now or clock.now()
    ballots = _reshuffle_ballots(motion)
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
            "tally": motion.tally,  # the published counts, covered by the chain (DESIGN §8)
        },
    )
    if motion.negotiation is not None:
        negotiation_operations.congress_result(motion.negotiation, result.failed_items)
        if motion.negotiation.state == NegotiationState.RATIFIED:
            contract_operations.create_contract(motion.negotiation, motion)
    return result


def _reshuffle_ballots(motion: Motion) -> list[Ballot]:
    """Write the motion's ballots again, in a random order and under new random ids, and drop the
    rows written while voting: nothing stored after the close — row order, SQLite's rowid,
    PostgreSQL's ctid and xmin, an id seen during the vote — links a ballot to its voter's
    participation (DESIGN §4). What this cannot hide is said in README's security model."""
    db.session.flush()
    table = Ballot.__table__
    rows = [
        dict(r._mapping)
        for r in db.session.execute(select(table).where(table.c.motion_id == motion.id))
    ]
    random.SystemRandom().shuffle(rows)
    db.session.execute(delete(table).where(table.c.motion_id == motion.id))
    for row in rows:
        row["ballot_id"] = new_ballot_id()
    if rows:
        db.session.execute(table.insert(), rows)
    return list(db.session.scalars(select(Ballot).where(Ballot.motion_id == motion.id)))


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


# --- the tick -----------------------------------------------------------------------------------


def close_due_motions(now: datetime) -> int:
    """Close every open motion whose closing time has come (the system closes it: actor None),
    with its tally and seal, and send a draft's result to its negotiation. Flushes only.

    A motion closed meanwhile by the secretary (the lock in `close_voting` reads it afresh) is
    skipped, so a tick running beside a close, or twice, closes each motion once."""
    due = list(
        db.session.scalars(
            select(Motion)
            .where(
                Motion.state == MotionState.OPEN,
                Motion.closes_at.is_not(None),
                Motion.closes_at <= now,
            )
            .order_by(Motion.id)
        )
    )
    closed = 0
    for motion in due:
        # Each apart: one refused (closed meanwhile, or its draft's next step cannot be done
        # yet) leaves the others to close.
        if apart(lambda m=motion: close_voting(m, None, now=now), f"close motion {motion.id}"):
            closed += 1
    return closed
