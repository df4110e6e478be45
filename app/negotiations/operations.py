"""Everything that changes a negotiation: each function checks who acts, fires the workflow,
writes one audit event, queues notifications and flushes. The request commits. What a page or
the API reads without changing anything is in `queries`; the wage grids are `app.wage_grids`.

The hooks the workers' congress and the contracts call come last."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.audit.operations import record
from app.auth.models import Role, User
from app.auth.queries import members
from app.deadlines import declare, due_params, set_deadline
from app.errors import Conflict, InvalidInput, NotPermitted, translate
from app.extensions import db
from app.negotiations.access import (
    SIDE_ROLE,
    acting_side,
    coordinators,
    enterprise_sides,
    require,
    roles_of,
)
from app.negotiations.models import DraftItem, Negotiation, Representative, Round
from app.negotiations.queries import (
    dispute_running,
    is_response_overdue,
    refill_running,
    representative_problems,
    response_running,
)
from app.notifications.operations import notify
from app.rulebook import lock, transition
from app.wage_grids.models import WageGrid
from app.wage_grids.operations import add_grid
from workflows import rules
from workflows.messages import N_
from workflows.negotiation import OPEN, WORKFLOW, State

# --- who is acting ---------------------------------------------------------------------------


def _transition(
    negotiation: Negotiation,
    trigger: str,
    actor: User | None,
    *,
    data: dict | None = None,
    **guard_kwargs,
) -> None:
    """Lock the negotiation, check the actor's roles, fire the trigger, write its audit event."""
    lock(negotiation)
    roles = roles_of(actor, negotiation)
    transition(negotiation, WORKFLOW, trigger, actor, roles, data=data, **guard_kwargs)


def _side_people(negotiation: Negotiation, side: str) -> list[User]:
    return members(negotiation.enterprise_id, SIDE_ROLE[side])


def _notify(users, kind: str, negotiation: Negotiation, **params) -> None:
    notify(
        users,
        kind,
        link=f"/negotiations/{negotiation.id}",
        enterprise=negotiation.enterprise.name,
        subject=negotiation.subject,
        **params,
    )


# --- the written request (要约书) -------------------------------------------------------------


def _check_request(subject: str, term_years: int, topics: str) -> None:
    if not subject.strip():
        raise InvalidInput("subject", _("The subject of the negotiation is required."))
    if problem := rules.term_problem(term_years):
        raise InvalidInput("term_years", translate(problem))
    if not topics.strip():
        raise InvalidInput("topics", _("Name at least one topic to negotiate."))


def open_negotiation(
    enterprise,
    actor: User,
    *,
    subject: str,
    term_years: int,
    topics: str,
    proposed_at: datetime | None = None,
    proposed_place: str = "",
    side: str | None = None,
) -> Negotiation:
    """Either side opens a negotiation with its written request, still a draft.

    集体合同规定 Art 32: either side may ask for collective negotiation.
    """
    sides = enterprise_sides(actor, enterprise.id)
    if side is None and len(sides) == 1:
        side = next(iter(sides))
    if side not in sides:
        raise NotPermitted(
            _("Only a union or employer representative of the enterprise may open a negotiation.")
        )
    _check_request(subject, term_years, topics)
    negotiation = Negotiation(
        enterprise=enterprise,
        enterprise_id=enterprise.id,
        initiator_side=side,
        created_by_id=actor.id,
        subject=subject.strip(),
        term_years=term_years,
        topics=topics.strip(),
        proposed_at=proposed_at,
        proposed_place=proposed_place.strip(),
        state="draft",
    )
    db.session.add(negotiation)
    db.session.flush()
    record(
        negotiation,
        "opened",
        actor,
        to_state="draft",
        data={"side": side, "subject": negotiation.subject},
    )
    return negotiation


def update_request(
    negotiation: Negotiation,
    actor: User,
    *,
    subject: str,
    term_years: int,
    topics: str,
    proposed_at: datetime | None,
    proposed_place: str,
) -> None:
    lock(negotiation)
    require(negotiation, actor, "edit_request")
    _check_request(subject, term_years, topics)
    negotiation.subject, negotiation.term_years = subject.strip(), term_years
    negotiation.topics, negotiation.proposed_at = topics.strip(), proposed_at
    negotiation.proposed_place = proposed_place.strip()
    db.session.flush()
    record(negotiation, "request_edited", actor)


def send_request(negotiation: Negotiation, actor: User, today: date | None = None) -> None:
    today = today or clock.today()
    profile = negotiation.enterprise.region.rule_profile
    _transition(negotiation, "send_request", actor, data={"requested_on": today.isoformat()})
    negotiation.requested_on = today
    # 集体合同规定 Art 32: the written response is due 20 days after receipt.
    set_deadline(negotiation, "response_due", rules.response_deadline(today, profile))
    db.session.flush()
    _notify(
        _side_people(negotiation, negotiation.responder_side),
        "request_received",
        negotiation,
        **due_params(negotiation, "response_due"),
    )


def accept_request(
    negotiation: Negotiation, actor: User, topics: str = "", today: date | None = None
) -> None:
    """The other side accepts in writing, adding its own topics (试行办法 Art 17)."""
    today = today or clock.today()
    _transition(negotiation, "accept", actor, data={"topics": topics.strip()})
    negotiation.responded_on = today
    negotiation.responder_topics = topics.strip()
    db.session.flush()
    _notify(_side_people(negotiation, negotiation.initiator_side), "request_accepted", negotiation)


def refuse_request(
    negotiation: Negotiation, actor: User, reason: str, today: date | None = None
) -> None:
    today = today or clock.today()
    _transition(negotiation, "refuse", actor, reason=reason, data={"reason": reason.strip()})
    negotiation.responded_on = today
    negotiation.refusal_reason = reason.strip()
    db.session.flush()
    _notify(
        _side_people(negotiation, negotiation.initiator_side),
        "request_refused",
        negotiation,
        reason=negotiation.refusal_reason,
    )


def escalate(negotiation: Negotiation, actor: User, today: date | None = None) -> None:
    """Ask for dispute coordination (争议协调处理, 集体合同规定 Art 49-52)."""
    today = today or clock.today()
    profile = negotiation.enterprise.region.rule_profile
    _transition(
        negotiation,
        "escalate",
        actor,
        refused=negotiation.refused,
        overdue=is_response_overdue(negotiation, today),
    )
    negotiation.dispute_started_on = today
    negotiation.dispute_extension_days = 0
    set_deadline(negotiation, "dispute_due", rules.dispute_deadline(today, profile))
    negotiation.dispute_overdue_flagged_at = None  # a new period, flagged anew when it passes
    db.session.flush()
    people = (
        _side_people(negotiation, rules.UNION)
        + _side_people(negotiation, rules.EMPLOYER)
        + coordinators(negotiation)
    )
    _notify(set(people), "dispute_opened", negotiation, **due_params(negotiation, "dispute_due"))


def withdraw(negotiation: Negotiation, actor: User) -> None:
    _transition(negotiation, "withdraw", actor)


# --- representatives (协商代表, 集体合同规定 Art 19-24, 31, 33) -----------------------------


def appoint_representative(
    negotiation: Negotiation,
    actor: User,
    *,
    side: str,
    user: User | None = None,
    name: str = "",
    position: str = "",
    is_chief: bool = False,
    is_outside_expert: bool = False,
    delegated_in_writing: bool = False,
    today: date | None = None,
) -> Representative:
    """Each side appoints its own representatives (集体合同规定 Art 19)."""
    today = today or clock.today()
    lock(negotiation)
    require(negotiation, actor, "appoint")
    acting_side(actor, negotiation, side)
    if user is not None:
        if user.id not in {m.user_id for m in negotiation.enterprise.memberships}:
            # No name: the message must not tell who exists in other enterprises.
            raise InvalidInput(
                "username",
                _(
                    "No member of this enterprise has that username; "
                    "an outsider joins as an outside expert."
                ),
            )
        name = user.full_name
        if any(r.user_id == user.id for r in negotiation.active_representatives()):
            # 集体合同规定 Art 24
            raise InvalidInput(
                "username",
                _("%(name)s is already a representative in this negotiation.", name=name),
            )
        if user.id == negotiation.recorder_user_id:
            raise InvalidInput(
                "username",
                _("%(name)s is the recorder, who may not also represent a side.", name=name),
            )
    elif not is_outside_expert:
        raise InvalidInput(
            "username",
            _("Choose a member of the enterprise, or appoint an outside expert by name."),
        )
    if not name.strip():
        raise InvalidInput("name", _("The representative's name is required."))
    if is_chief and is_outside_expert:
        raise InvalidInput(
            "is_chief",
            _("A chief representative is never an outside expert (集体合同规定 Art 23)."),
        )
    if is_chief and negotiation.chief(side) is not None:
        raise InvalidInput("is_chief", _("This side has a chief representative already."))
    # 集体合同规定 Art 20: the chair's written delegation (委托书) is the chair's to give, so only
    # the chair records it: no representative can make themselves the union's chief.
    if (
        side == rules.UNION
        and delegated_in_writing
        and actor.id != negotiation.enterprise.union_chair_id
    ):
        raise NotPermitted(
            _("Only the union chair records a written delegation (委托书, 集体合同规定 Art 20).")
        )
    vacancy = next(
        (
            r
            for r in negotiation.representatives
            if r.side == side and r.vacated_on is not None and r.refilled_by_id is None
        ),
        None,
    )
    rep = Representative(
        negotiation=negotiation,
        side=side,
        user=user,
        user_id=user.id if user else None,
        name=name.strip(),
        position=position.strip(),
        is_chief=is_chief,
        is_outside_expert=is_outside_expert,
        delegated_in_writing=delegated_in_writing,
        appointed_on=today,
    )
    db.session.add(rep)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _(
                "Someone appointed the same person or a second chief at the same time; "
                "reload the page."
            )
        ) from None
    if vacancy is not None:
        vacancy.refilled_by_id = rep.id
    record(
        negotiation,
        "representative_appointed",
        actor,
        data={
            "representative_id": rep.id,
            "side": side,
            "name": rep.name,
            "chief": is_chief,
            "outside_expert": is_outside_expert,
            "delegated_in_writing": delegated_in_writing,
            "refills": vacancy.id if vacancy else None,
        },
    )
    return rep


def vacate_representative(rep: Representative, actor: User, today: date | None = None) -> None:
    """A seat falls vacant; it is refilled within 15 days (集体合同规定 Art 31)."""
    today = today or clock.today()
    negotiation = lock(rep.negotiation)
    require(negotiation, actor, "vacate")
    acting_side(actor, negotiation, rep.side)
    if rep.vacated_on is not None:
        raise Conflict(_("%(name)s has left already.", name=rep.name))
    rep.vacated_on = today
    set_deadline(
        rep, "refill_due", rules.refill_deadline(today, negotiation.enterprise.region.rule_profile)
    )
    db.session.flush()
    record(
        negotiation,
        "representative_vacated",
        actor,
        data={
            "representative_id": rep.id,
            "name": rep.name,
            "refill_due": rep.refill_due.isoformat(),
        },
    )


def set_recorder(negotiation: Negotiation, actor: User, user: User) -> None:
    """The neutral recorder (记录员) minutes the rounds (集体合同规定 Art 33)."""
    lock(negotiation)
    require(negotiation, actor, "set_recorder")
    if user.id not in {m.user_id for m in negotiation.enterprise.memberships}:
        raise InvalidInput("username", _("The recorder must be a member of the enterprise."))
    if any(r.user_id == user.id for r in negotiation.active_representatives()):
        raise InvalidInput(
            "username",
            _(
                "%(name)s represents a side; the recorder must be neutral (集体合同规定 Art 33).",
                name=user.full_name,
            ),
        )
    negotiation.recorder_user_id, negotiation.recorder_name = user.id, user.full_name
    db.session.flush()
    record(negotiation, "recorder_set", actor, data={"user_id": user.id, "name": user.full_name})


def start_talks(negotiation: Negotiation, actor: User) -> None:
    _transition(
        negotiation,
        "start_talks",
        actor,
        representative_problems=representative_problems(negotiation),
        has_recorder=negotiation.recorder_user_id is not None,
    )
    _notify(
        members(negotiation.enterprise_id, Role.UNION_REP, Role.EMPLOYER_REP),
        "talks_started",
        negotiation,
    )


# --- rounds (协商会议) --------------------------------------------------------------------------


def schedule_round(negotiation: Negotiation, actor: User, held_at: datetime, place: str) -> Round:
    """A new round; the chiefs chair in turn, the requesting side first (集体合同规定 Art 34)."""
    lock(negotiation)
    require(negotiation, actor, "schedule_round")
    if not place.strip():
        raise InvalidInput("place", _("Where is the round held?"))
    number = len(negotiation.rounds) + 1
    chair = negotiation.initiator_side if number % 2 else negotiation.responder_side
    round_ = Round(
        negotiation=negotiation,
        number=number,
        held_at=held_at,
        place=place.strip(),
        chair_side=chair,
    )
    db.session.add(round_)
    db.session.flush()
    record(
        negotiation,
        "round_scheduled",
        actor,
        data={
            "round": number,
            "held_at": held_at.isoformat(),
            "place": round_.place,
            "chair": chair,
        },
    )
    return round_


def write_minutes(round_: Round, actor: User, minutes: str) -> None:
    """The recorder writes the minutes; a change voids the chiefs' confirmations."""
    negotiation = lock(round_.negotiation)
    require(negotiation, actor, "write_minutes")
    if not minutes.strip():
        raise InvalidInput("minutes", _("The minutes are empty."))
    if round_.confirmed:
        raise Conflict(_("Both chiefs have confirmed these minutes; they are final."))
    round_.minutes, round_.minutes_written_at = minutes.strip(), clock.now()
    round_.union_confirmed_at = round_.employer_confirmed_at = None
    db.session.flush()
    record(negotiation, "minutes_written", actor, data={"round": round_.number})


def confirm_minutes(round_: Round, actor: User) -> None:
    """Each chief confirms the minutes (签字确认)."""
    negotiation = lock(round_.negotiation)
    roles = require(negotiation, actor, "confirm_minutes")
    side = next(s for s in rules.SIDES if f"{s}_chief" in roles)
    if not round_.minutes:
        raise Conflict(_("The recorder has not written the minutes yet."))
    if getattr(round_, f"{side}_confirmed_at") is not None:
        raise Conflict(_("Your side has confirmed these minutes already."))
    setattr(round_, f"{side}_confirmed_at", clock.now())
    db.session.flush()
    record(negotiation, "minutes_confirmed", actor, data={"round": round_.number, "side": side})


# --- wage-grid proposals (能级工资表) ---------------------------------------------------------


def submit_proposal(
    round_: Round, actor: User, rows: list[rules.GradeRow], note: str = "", side: str | None = None
) -> WageGrid:
    """A side's wage-grid proposal in a round: one per side per round."""
    negotiation = lock(round_.negotiation)
    require(negotiation, actor, "propose")
    side = acting_side(actor, negotiation, side)
    if round_.proposal_of(side) is not None:
        raise Conflict(
            _(
                "Your side has proposed in round %(n)d already; hold a new round for "
                "a new proposal.",
                n=round_.number,
            )
        )
    if round_.number != len(negotiation.rounds):
        raise Conflict(_("Round %(n)d is over; propose in the latest round.", n=round_.number))
    try:
        with db.session.begin_nested():
            grid = add_grid(
                negotiation.enterprise,
                rows,
                actor,
                negotiation=negotiation,
                round=round_,
                side=side,
                note=note.strip(),
            )
    except IntegrityError:
        raise Conflict(
            _("Your side proposed in this round at the same time; reload the page.")
        ) from None
    record(
        negotiation,
        "proposal_submitted",
        actor,
        data={"round": round_.number, "side": side, "grid_id": grid.id},
    )
    other = rules.EMPLOYER if side == rules.UNION else rules.UNION
    _notify(_side_people(negotiation, other), "proposal_received", negotiation, round=round_.number)
    return grid


# --- clauses, acceptance and agreement --------------------------------------------------------


def _touch_clauses(negotiation: Negotiation) -> None:
    """Any change to the clauses is a new revision: both acceptances lapse."""
    negotiation.revision += 1


def update_clauses(
    negotiation: Negotiation,
    actor: User,
    *,
    term_years: int,
    adjustment_rule: str,
    pay_day: int | None,
) -> None:
    lock(negotiation)
    require(negotiation, actor, "edit_clauses")
    if problem := rules.term_problem(term_years):
        raise InvalidInput("term_years", translate(problem))
    if pay_day is not None and not 1 <= pay_day <= 31:
        raise InvalidInput("pay_day", _("The pay day is a day of the month, 1 to 31."))
    _touch_clauses(negotiation)
    negotiation.term_years, negotiation.pay_day = term_years, pay_day
    negotiation.adjustment_rule = adjustment_rule.strip()
    db.session.flush()
    record(
        negotiation,
        "clauses_changed",
        actor,
        data={"revision": negotiation.revision, "term_years": term_years, "pay_day": pay_day},
    )


def add_item(negotiation: Negotiation, actor: User, title: str, text: str) -> DraftItem:
    lock(negotiation)
    require(negotiation, actor, "edit_clauses")
    if not title.strip() or not text.strip():
        raise InvalidInput(
            "title" if not title.strip() else "text", _("An item needs a title and its text.")
        )
    _touch_clauses(negotiation)
    number = max((i.number for i in negotiation.items), default=0) + 1
    item = DraftItem(negotiation=negotiation, number=number, title=title.strip(), text=text.strip())
    db.session.add(item)
    db.session.flush()
    record(
        negotiation, "item_added", actor, data={"item": number, "revision": negotiation.revision}
    )
    return item


def update_item(item: DraftItem, actor: User, title: str, text: str) -> None:
    negotiation = lock(item.negotiation)
    require(negotiation, actor, "edit_clauses")
    if not title.strip() or not text.strip():
        raise InvalidInput(
            "title" if not title.strip() else "text", _("An item needs a title and its text.")
        )
    _touch_clauses(negotiation)
    item.title, item.text = title.strip(), text.strip()
    db.session.flush()
    record(
        negotiation,
        "item_changed",
        actor,
        data={"item": item.number, "revision": negotiation.revision},
    )


def remove_item(item: DraftItem, actor: User) -> None:
    negotiation = lock(item.negotiation)
    require(negotiation, actor, "edit_clauses")
    _touch_clauses(negotiation)
    number = item.number
    negotiation.items.remove(item)
    db.session.flush()
    for later in negotiation.items:
        if later.number > number:
            later.number -= 1
            db.session.flush()  # one at a time: (negotiation, number) stays unique
    record(
        negotiation, "item_removed", actor, data={"item": number, "revision": negotiation.revision}
    )


def accept_proposal(
    negotiation: Negotiation, actor: User, grid: WageGrid, side: str | None = None
) -> None:
    """A side accepts a grid with the clauses as they stand; when the other side has accepted
    the same, the negotiation is agreed (集体合同规定 Art 34)."""
    lock(negotiation)
    require(negotiation, actor, "accept_proposal")
    side = acting_side(actor, negotiation, side)
    if grid.negotiation_id != negotiation.id:
        raise InvalidInput("grid_id", _("That grid is not a proposal of this negotiation."))
    if not negotiation.adjustment_rule or negotiation.pay_day is None:
        raise Conflict(_("Fill in the annual adjustment rule and the pay day before accepting."))
    setattr(negotiation, f"{side}_accepted_grid_id", grid.id)
    setattr(negotiation, f"{side}_accepted_revision", negotiation.revision)
    db.session.flush()
    record(
        negotiation,
        "proposal_accepted",
        actor,
        data={"side": side, "grid_id": grid.id, "revision": negotiation.revision},
    )
    union = negotiation.accepted_package(rules.UNION)
    employer = negotiation.accepted_package(rules.EMPLOYER)
    if union is not None and union == employer:
        _transition(
            negotiation,
            "agree",
            actor,
            union_accepted=union,
            employer_accepted=employer,
            data={"grid_id": grid.id},
        )
        negotiation.agreed_grid_id, negotiation.agreed_revision = grid.id, negotiation.revision
        negotiation.failed_items = []
        db.session.flush()
        _notify(
            members(
                negotiation.enterprise_id,
                Role.UNION_REP,
                Role.EMPLOYER_REP,
                Role.CONGRESS_SECRETARY,
            ),
            "draft_agreed",
            negotiation,
        )


def reopen(negotiation: Negotiation, actor: User) -> None:
    """A side withdraws its acceptance before the congress: back to the talks."""
    _transition(negotiation, "reopen", actor)
    negotiation.union_accepted_grid_id = negotiation.employer_accepted_grid_id = None
    negotiation.union_accepted_revision = negotiation.employer_accepted_revision = None
    negotiation.agreed_grid_id = negotiation.agreed_revision = None
    db.session.flush()


# --- suspension and dispute -------------------------------------------------------------------


def propose_suspension(
    negotiation: Negotiation, actor: User, resume_on: date, today: date | None = None
) -> None:
    """One side proposes to suspend the talks until a date; the other confirms (Art 35)."""
    today = today or clock.today()
    lock(negotiation)
    require(negotiation, actor, "propose_suspension")
    side = acting_side(actor, negotiation)
    if resume_on <= today:
        raise InvalidInput("resume_on", _("The talks must resume after today."))
    negotiation.suspension_proposed_by, negotiation.suspension_resume_on = side, resume_on
    db.session.flush()
    record(
        negotiation,
        "suspension_proposed",
        actor,
        data={"side": side, "resume_on": resume_on.isoformat()},
    )
    other = rules.EMPLOYER if side == rules.UNION else rules.UNION
    _notify(
        _side_people(negotiation, other),
        "suspension_proposed",
        negotiation,
        resume_on=resume_on.isoformat(),
    )


def confirm_suspension(negotiation: Negotiation, actor: User, today: date | None = None) -> None:
    today = today or clock.today()
    lock(negotiation)
    side = acting_side(actor, negotiation)
    proposed_by = negotiation.suspension_proposed_by
    _transition(
        negotiation,
        "suspend",
        actor,
        agreed_by_both=proposed_by is not None and proposed_by != side,
        resume_on=negotiation.suspension_resume_on,
        today=today,
        data={"resume_on": (negotiation.suspension_resume_on or today).isoformat()},
    )
    negotiation.resume_on = negotiation.suspension_resume_on
    negotiation.suspension_proposed_by = negotiation.suspension_resume_on = None
    db.session.flush()


def resume(negotiation: Negotiation, actor: User) -> None:
    _transition(negotiation, "resume", actor)
    negotiation.resume_on = None
    db.session.flush()


def extend_dispute(negotiation: Negotiation, actor: User, days: int) -> None:
    """Extend the coordination once, by at most 15 days (集体合同规定 Art 52)."""
    profile = negotiation.enterprise.region.rule_profile
    _transition(
        negotiation,
        "extend_dispute",
        actor,
        already_extended=negotiation.dispute_extension_days > 0,
        extension_days=days,
        profile=profile,
        data={"days": days},
    )
    negotiation.dispute_extension_days = days
    set_deadline(
        negotiation,
        "dispute_due",
        rules.dispute_deadline(negotiation.dispute_started_on, profile, extension_days=days),
    )
    negotiation.dispute_overdue_flagged_at = None  # the new end date is flagged when it passes
    db.session.flush()


def resolve_dispute(negotiation: Negotiation, actor: User) -> None:
    _transition(negotiation, "resolve_dispute", actor)
    _notify(
        members(negotiation.enterprise_id, Role.UNION_REP, Role.EMPLOYER_REP),
        "dispute_resolved",
        negotiation,
    )


def abandon(negotiation: Negotiation, actor: User, reason: str = "") -> None:
    _transition(negotiation, "abandon", actor, data={"reason": reason.strip()})


# --- deadlines that pass without action (`flask accord tick`) ---------------------------------


def _both_sides_and_coordinators(negotiation: Negotiation) -> list[User]:
    people = (
        _side_people(negotiation, rules.UNION)
        + _side_people(negotiation, rules.EMPLOYER)
        + coordinators(negotiation)
    )
    return list(dict.fromkeys(people))  # once each, in a stable order


@dataclass(frozen=True)
class Overdue:
    """A deadline of the talks that can pass without action: the date column it is kept in, the
    column that records it was flagged, whom its passing concerns. `app.deadlines` counts it
    again when it was provisional; `flag_overdue` flags it once when it has passed."""

    model: type  # Negotiation, or Representative for a vacant seat
    deadline: str  # the date column, also the audit event's field for it
    flag: str
    kind: str  # of the audit event and of the notification
    label: str  # a msgid (N_), for the notice that a recount moved it
    running: Callable[[Any], bool]  # its stage has not passed
    past_due: Callable[[date], Select]  # the running ones whose day is before `today`, in SQL
    negotiation: Callable[[Any], Negotiation]
    people: Callable[[Any], list[User]]
    audit_data: Callable[[Any], dict] = lambda subject: {}  # besides the date
    notice_params: Callable[[Any], dict] = lambda subject: {}  # besides the date


def _itself(negotiation: Negotiation) -> Negotiation:
    return negotiation


OVERDUE = {
    # 集体合同规定 Art 32: no written response within the period; the requesting side may now ask
    # for coordination (escalate).
    "responses": Overdue(
        Negotiation,
        "response_due",
        flag="overdue_flagged_at",
        kind="response_overdue",
        label=N_("Written response due"),
        running=response_running,
        past_due=lambda today: select(Negotiation).where(Negotiation.response_overdue(today)),
        negotiation=_itself,
        people=_both_sides_and_coordinators,
    ),
    # 集体合同规定 Art 31: a vacant seat is refilled within 15 days; the side that owes it is told.
    "refills": Overdue(
        Representative,
        "refill_due",
        flag="refill_overdue_flagged_at",
        kind="refill_overdue",
        label=N_("Refill a vacant seat"),
        running=refill_running,
        past_due=lambda today: (
            select(Representative)
            .join(Negotiation)
            .where(
                Negotiation.state.in_(OPEN),
                Representative.vacated_on.is_not(None),
                Representative.refilled_by_id.is_(None),
                Representative.refill_due < today,
            )
        ),
        negotiation=lambda rep: rep.negotiation,
        people=lambda rep: _side_people(rep.negotiation, rep.side),
        audit_data=lambda rep: {"representative_id": rep.id, "side": rep.side, "name": rep.name},
        notice_params=lambda rep: {"name": rep.name},
    ),
    # 集体合同规定 Art 52: the coordination period (with its one extension) has run out.
    "disputes": Overdue(
        Negotiation,
        "dispute_due",
        flag="dispute_overdue_flagged_at",
        kind="dispute_overdue",
        label=N_("Dispute coordination ends"),
        running=dispute_running,
        past_due=lambda today: select(Negotiation).where(
            Negotiation.state == State.IN_DISPUTE, Negotiation.dispute_due < today
        ),
        negotiation=_itself,
        people=_both_sides_and_coordinators,
    ),
}

# Counted again when a provisional year's schedule arrives (app.deadlines).
for _overdue in OVERDUE.values():
    declare(
        _overdue.model,
        _overdue.deadline,
        label=_overdue.label,
        running=_overdue.running,
        subject=_overdue.negotiation,
        people=_overdue.people,
        notify=_notify,
        flag=_overdue.flag,
    )


def flag_overdue(today: date | None = None) -> dict[str, int]:
    """Flag each deadline that passed without action, once: the written response (Art 32), the
    refill of a vacant seat (Art 31) and the dispute coordination (Art 52). Each flag writes one
    audit event and tells the people concerned; nothing changes state — the sides decide what
    follows. Returns how many of each were flagged today."""
    today = today or clock.today()
    return {name: _flag_overdue(overdue, today) for name, overdue in OVERDUE.items()}


def _flag_overdue(overdue: Overdue, today: date) -> int:
    flag = getattr(overdue.model, overdue.flag)
    candidates = db.session.scalars(
        overdue.past_due(today).where(flag.is_(None)).order_by(overdue.model.id)
    ).all()
    flagged = 0
    for subject in candidates:
        negotiation = lock(overdue.negotiation(subject))
        if subject is not negotiation:
            db.session.refresh(subject)  # after the lock: a refill may just have been committed
        due = getattr(subject, overdue.deadline)
        if (
            getattr(subject, overdue.flag) is not None
            or not overdue.running(subject)
            or due is None
            or not due < today
        ):
            continue  # acted on, moved or flagged by someone else since the query
        setattr(subject, overdue.flag, clock.now())
        db.session.flush()
        data = {**overdue.audit_data(subject), overdue.deadline: due.isoformat()}
        record(negotiation, overdue.kind, None, data=data)
        _notify(
            overdue.people(subject),
            overdue.kind,
            negotiation,
            **overdue.notice_params(subject),
            **due_params(subject, overdue.deadline),
        )
        flagged += 1
    return flagged


# --- called by the workers' congress and the contracts (app.congress, app.contracts) ----------


def submit_to_congress(negotiation: Negotiation, actor: User) -> None:
    """The agreed draft goes to the workers' congress (集体合同规定 Art 36)."""
    _transition(negotiation, "submit_to_congress", actor)


def renegotiate(negotiation: Negotiation, data: dict) -> None:
    """The contract was returned with an objection (集体合同规定 Art 46) or refused at signing:
    the talks reopen on the ratified draft, and both acceptances lapse."""
    _transition(negotiation, "renegotiate", None, data=data)
    negotiation.revision += 1
    db.session.flush()


def withdraw_from_congress(negotiation: Negotiation, motion) -> None:
    """The congress cancelled the draft's motion before a result: the agreed draft waits to be
    submitted again."""
    _transition(negotiation, "withdraw_from_congress", None, data={"motion_id": motion.id})


def congress_result(negotiation: Negotiation, failed_items: list[int]) -> None:
    """Every item passed: ratified. Otherwise back to the talks with the failed items marked,
    and both acceptances lapse (集体合同规定 Art 36-37)."""
    if failed_items:
        _transition(
            negotiation,
            "reject",
            None,
            failed_items=failed_items,
            data={"failed_items": failed_items},
        )
        negotiation.failed_items = list(failed_items)
        negotiation.revision += 1
    else:
        _transition(negotiation, "ratify", None, failed_items=[])
    db.session.flush()
