"""The negotiation (集体协商) state machine, from the written request to the congress's vote.

One module-level `machine` drives every negotiation: the state lives in the model's `state`
attribute and a trigger is fired with `fire(negotiation, "accept", ...)`. Guards receive their data
as keyword arguments and raise `TransitionNotAllowed` with the reason in words, so a refused action
is a 409 that says why. Who may fire a trigger is `roles_for(trigger, state)`; the roles of a user
("union", "employer", "requester", "responder", "coordinator", "secretary", "system") are computed
by the application.
"""

from enum import StrEnum

from transitions.core import EventData

from workflows.errors import TransitionNotAllowed
from workflows.machines import Activity, Workflow, arg
from workflows.messages import N_


class State(StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    PREPARING = "preparing"
    NEGOTIATING = "negotiating"
    SUSPENDED = "suspended"
    IN_DISPUTE = "in_dispute"
    AGREED = "agreed"
    IN_CONGRESS = "in_congress"
    RATIFIED = "ratified"
    ABANDONED = "abandoned"


STATES = [state.value for state in State]
# The main line, for a stepper (进度条).
STEPS = [
    State.DRAFT,
    State.REQUESTED,
    State.PREPARING,
    State.NEGOTIATING,
    State.AGREED,
    State.IN_CONGRESS,
    State.RATIFIED,
]
TERMINAL = frozenset({State.RATIFIED, State.ABANDONED})
# From the acceptance of the request until the draft is agreed: the representatives and the
# recorder may change (集体合同规定 Art 19-24, 33).
OPEN = frozenset({State.PREPARING, State.NEGOTIATING, State.SUSPENDED, State.IN_DISPUTE})

STATE_LABELS = {
    "draft": N_("draft"),
    "requested": N_("requested"),
    "preparing": N_("preparing"),
    "negotiating": N_("negotiating"),
    "suspended": N_("suspended"),
    "in_dispute": N_("in dispute"),
    "agreed": N_("agreed"),
    "in_congress": N_("before the workers' congress"),
    "ratified": N_("ratified"),
    "abandoned": N_("abandoned"),
}

ACTION_LABELS = {
    "send_request": N_("send the request"),
    "accept": N_("accept the request"),
    "refuse": N_("refuse the request"),
    "escalate": N_("ask for dispute coordination"),
    "withdraw": N_("withdraw the request"),
    "start_talks": N_("start the talks"),
    "suspend": N_("suspend the talks"),
    "resume": N_("resume the talks"),
    "extend_dispute": N_("extend the dispute coordination"),
    "resolve_dispute": N_("resolve the dispute"),
    "abandon": N_("abandon the negotiation"),
    "agree": N_("agree on the draft"),
    "reopen": N_("reopen the talks"),
    "submit_to_congress": N_("submit the draft to the workers' congress"),
    "ratify": N_("ratify the draft"),
    "reject": N_("send the draft back to the talks"),
    "withdraw_from_congress": N_("withdraw the draft from the workers' congress"),
    "renegotiate": N_("reopen the talks on the contract"),
}

EITHER_SIDE = frozenset({"union", "employer"})
REQUESTER = frozenset({"requester"})
RESPONDER = frozenset({"responder"})
SIDES_OR_COORDINATOR = EITHER_SIDE | {"coordinator"}
SYSTEM = frozenset({"system"})


def _refusal_has_reason(event: EventData) -> bool:
    # 集体合同规定 Art 32: the request may not be refused without a proper reason (正当理由).
    if not (arg(event, "reason") or "").strip():
        raise TransitionNotAllowed(N_("a refusal must give its reason in writing"))
    return True


def _refused_or_overdue(event: EventData) -> bool:
    # 集体合同规定 Art 32, 49: coordination is asked for once the other side refused or let the
    # 20-day response period pass without a written response.
    if not (arg(event, "refused") or arg(event, "overdue")):
        raise TransitionNotAllowed(
            N_(
                "the other side has not refused and its response deadline has not passed; "
                "coordination cannot be asked for yet"
            )
        )
    return True


def _representatives_ready(event: EventData) -> bool:
    # 集体合同规定 Art 19-24: the representatives are checked before the talks start.
    problems = arg(event, "representative_problems")
    if problems:
        raise TransitionNotAllowed(
            N_(
                "the representatives are not ready (problems to fix: %(count)d); first: %(problem)s"
            ),
            problem=problems[0],
            count=len(problems),
        )
    # 集体合同规定 Art 33: a neutral recorder is appointed before the talks.
    if not arg(event, "has_recorder"):
        raise TransitionNotAllowed(N_("no recorder has been appointed for the talks"))
    return True


def _suspension_agreed(event: EventData) -> bool:
    # 集体合同规定 Art 35: talks are suspended by agreement of both sides, who fix when they resume.
    if not arg(event, "agreed_by_both"):
        raise TransitionNotAllowed(N_("the talks can be suspended only when both sides agree"))
    resume_on, today = arg(event, "resume_on"), arg(event, "today")
    if resume_on is None:
        raise TransitionNotAllowed(N_("a suspension needs the date on which the talks resume"))
    if resume_on <= today:
        raise TransitionNotAllowed(
            N_("the talks must resume after today (%(today)s), not on %(resume_on)s"),
            today=today.isoformat(),
            resume_on=resume_on.isoformat(),
        )
    return True


def _extension_allowed(event: EventData) -> bool:
    # 集体合同规定 Art 52: the coordination period may be extended once, by at most 15 days.
    if arg(event, "already_extended"):
        raise TransitionNotAllowed(N_("the dispute coordination has already been extended once"))
    days, most = arg(event, "extension_days"), arg(event, "profile").dispute_extension_days
    if not 1 <= days <= most:
        raise TransitionNotAllowed(
            N_("an extension is 1 to %(most)d days, not %(days)d"), most=most, days=days
        )
    return True


def _both_accepted_the_same(event: EventData) -> bool:
    # 集体合同规定 Art 34(4): a draft exists only once both sides agree on the same text.
    union, employer = arg(event, "union_accepted"), arg(event, "employer_accepted")
    if union is None and employer is None:
        raise TransitionNotAllowed(N_("neither side has accepted a proposal"))
    if union is None:
        raise TransitionNotAllowed(N_("the union side has not accepted a proposal"))
    if employer is None:
        raise TransitionNotAllowed(N_("the employer side has not accepted a proposal"))
    if union != employer:
        raise TransitionNotAllowed(
            N_("the sides accepted different proposals (union: %(union)s, employer: %(employer)s)"),
            union=union,
            employer=employer,
        )
    return True


def _every_item_passed(event: EventData) -> bool:
    # 集体合同规定 Art 36, 37: the draft is ratified only when the congress approved every item.
    failed = arg(event, "failed_items")
    if failed:
        raise TransitionNotAllowed(
            N_("items rejected by the congress: %(items)s"),
            items=", ".join(str(item) for item in failed),
        )
    return True


def _some_item_failed(event: EventData) -> bool:
    if not arg(event, "failed_items"):
        raise TransitionNotAllowed(
            N_("the congress approved every item; the draft cannot go back to the talks")
        )
    return True


# Each row is a transitions' transition plus the roles that may fire it from that source.
TRANSITIONS = [
    # 集体合同规定 Art 32: either side may send the written request.
    {"trigger": "send_request", "source": "draft", "dest": "requested", "roles": REQUESTER},
    # Art 32: a late acceptance still counts unless the requester has escalated.
    {"trigger": "accept", "source": "requested", "dest": "preparing", "roles": RESPONDER},
    # The refusal is recorded; only the requesting side decides to escalate.
    {
        "trigger": "refuse",
        "source": "requested",
        "dest": None,
        "conditions": [_refusal_has_reason],
        "roles": RESPONDER,
    },
    {
        "trigger": "escalate",
        "source": "requested",
        "dest": "in_dispute",
        "conditions": [_refused_or_overdue],
        "roles": REQUESTER,
    },
    # 集体合同规定 Art 49: a deadlock in the talks goes to coordination by either side.
    {"trigger": "escalate", "source": "negotiating", "dest": "in_dispute", "roles": EITHER_SIDE},
    {
        "trigger": "withdraw",
        "source": ["draft", "requested"],
        "dest": "abandoned",
        "roles": REQUESTER,
    },
    {
        "trigger": "start_talks",
        "source": "preparing",
        "dest": "negotiating",
        "conditions": [_representatives_ready],
        "roles": EITHER_SIDE,
    },
    # The trigger fires when the second side confirms the first side's proposal to suspend.
    {
        "trigger": "suspend",
        "source": "negotiating",
        "dest": "suspended",
        "conditions": [_suspension_agreed],
        "roles": EITHER_SIDE,
    },
    {"trigger": "resume", "source": "suspended", "dest": "negotiating", "roles": EITHER_SIDE},
    {
        "trigger": "extend_dispute",
        "source": "in_dispute",
        "dest": None,
        "conditions": [_extension_allowed],
        "roles": SIDES_OR_COORDINATOR,
    },
    {
        "trigger": "resolve_dispute",
        "source": "in_dispute",
        "dest": "negotiating",
        "roles": SIDES_OR_COORDINATOR,
    },
    {
        "trigger": "abandon",
        "source": "in_dispute",
        "dest": "abandoned",
        "roles": SIDES_OR_COORDINATOR,
    },
    # Fires when the second side accepts the package the first side accepted.
    {
        "trigger": "agree",
        "source": "negotiating",
        "dest": "agreed",
        "conditions": [_both_accepted_the_same],
        "roles": EITHER_SIDE,
    },
    # A side withdraws its acceptance before the draft goes to the congress.
    {"trigger": "reopen", "source": "agreed", "dest": "negotiating", "roles": EITHER_SIDE},
    # 集体合同规定 Art 36: the draft goes to the workers' congress (职工代表大会).
    {
        "trigger": "submit_to_congress",
        "source": "agreed",
        "dest": "in_congress",
        "roles": frozenset({"union", "secretary"}),
    },
    {
        "trigger": "ratify",
        "source": "in_congress",
        "dest": "ratified",
        "conditions": [_every_item_passed],
        "roles": SYSTEM,
    },
    {
        "trigger": "reject",
        "source": "in_congress",
        "dest": "negotiating",
        "conditions": [_some_item_failed],
        "roles": SYSTEM,
    },
    # The congress cancels the draft's motion before any result (a sitting postponed): the
    # agreed draft waits to be submitted again; nothing was voted, so both acceptances stand.
    {
        "trigger": "withdraw_from_congress",
        "source": "in_congress",
        "dest": "agreed",
        "roles": SYSTEM,
    },
    # The labour administration objected to the contract (集体合同规定 Art 46), or a chief
    # refused to sign it: the parties negotiate again, and refile.
    {"trigger": "renegotiate", "source": "ratified", "dest": "negotiating", "roles": SYSTEM},
]

CHIEFS = frozenset({"union_chief", "employer_chief"})
ONLY_A_SIDE = N_("Only a union or employer representative of the enterprise may do this.")


def _sides_may(name: str, states: frozenset[str], label: str, not_now: str) -> Activity:
    """An activity of either side's representatives."""
    return Activity(name, states, EITHER_SIDE, label, refusal=ONLY_A_SIDE, not_now=not_now)


TALKS = frozenset({State.NEGOTIATING})
# What changes no state but is open only in some states, to some roles.
ACTIVITIES = [
    Activity(
        "edit_request",
        frozenset({State.DRAFT}),
        REQUESTER,
        N_("edit the request"),
        refusal=N_("Only the requesting side edits its request."),
        not_now=N_("The request has been sent; it can no longer be changed."),
    ),
    # 集体合同规定 Art 19-24: each side appoints and replaces its own representatives.
    _sides_may(
        "appoint",
        OPEN,
        N_("appoint the representatives"),
        N_("Representatives are appointed once the request is accepted and until the talks end."),
    ),
    _sides_may(
        "vacate",
        OPEN,
        N_("release a representative"),
        N_("The representatives can change only while the negotiation is open."),
    ),
    # Art 33: the recorder, named by the sides before the talks.
    _sides_may(
        "set_recorder",
        OPEN,
        N_("name the recorder"),
        N_("The recorder is named while the negotiation is open."),
    ),
    _sides_may(
        "schedule_round",
        TALKS,
        N_("schedule a round"),
        N_("Rounds are held while the talks are on."),
    ),
    _sides_may(
        "propose",
        TALKS,
        N_("propose a wage grid"),
        N_("Proposals are made while the talks are on."),
    ),
    _sides_may(
        "accept_proposal",
        TALKS,
        N_("accept a proposal"),
        N_("Proposals are accepted while the talks are on."),
    ),
    _sides_may(
        "edit_clauses",
        TALKS,
        N_("change the clauses"),
        N_("The clauses change only while the talks are on."),
    ),
    _sides_may(
        "propose_suspension",
        TALKS,
        N_("propose to suspend the talks"),
        N_("Only running talks can be suspended."),
    ),
    # Art 33: the recorder writes the minutes of each round until the negotiation ends.
    Activity(
        "write_minutes",
        frozenset(STATES) - TERMINAL,
        frozenset({"recorder"}),
        N_("write the minutes"),
        refusal=N_("Only the recorder writes the minutes (集体合同规定 Art 33)."),
        not_now=N_("The negotiation has ended; its minutes are final."),
    ),
    Activity(
        "confirm_minutes",
        frozenset(STATES),
        CHIEFS,
        N_("confirm the minutes"),
        refusal=N_("Only a chief representative confirms the minutes."),
    ),
]

WORKFLOW = Workflow(
    "negotiation",
    State,
    TRANSITIONS,
    activities=ACTIVITIES,
    not_now=N_("cannot %(action)s while the negotiation is %(state)s"),
    state_labels=STATE_LABELS,
    action_labels=ACTION_LABELS,
)
machine = WORKFLOW.machine  # the name the diagram command looks up
fire = WORKFLOW.fire
