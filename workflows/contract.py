"""The wage special collective contract (工资专项集体合同) from signing to expiry.

`drafted → signing → signed → filed → effective → published → expired`, with `filed → returned`
(the labour administration objects; the parties renegotiate, 集体合同规定 Art 46) and
`drafted | signing → void` (a chief refuses to sign; the talks reopen).

One module-level machine; the state lives in the contract's `state` attribute. Guards receive
their data as keyword arguments and raise `TransitionNotAllowed` with the reason in words. The
roles ("union_chief", "employer_chief", "employer", "union", "officer", "system") are computed by
the application. Its deadlines and its term are the rules' (`workflows.rules`).
"""

from datetime import date
from enum import StrEnum

from transitions.core import EventData

from workflows.errors import TransitionNotAllowed
from workflows.machines import Activity, Workflow, arg
from workflows.messages import N_
from workflows.sides import SIDES


class State(StrEnum):
    DRAFTED = "drafted"
    SIGNING = "signing"
    SIGNED = "signed"
    FILED = "filed"
    EFFECTIVE = "effective"
    PUBLISHED = "published"
    EXPIRED = "expired"
    RETURNED = "returned"
    VOID = "void"


STATES = [state.value for state in State]
# The main line, for a stepper (进度条).
STEPS = [
    State.DRAFTED,
    State.SIGNING,
    State.SIGNED,
    State.FILED,
    State.EFFECTIVE,
    State.PUBLISHED,
    State.EXPIRED,
]
TERMINAL = frozenset({State.EXPIRED, State.RETURNED, State.VOID})
# The contract binds the parties (集体合同规定 Art 6) in these states.
IN_FORCE = frozenset({State.EFFECTIVE, State.PUBLISHED})
# Neither signed by both nor refused: a chief may still sign it, or refuse to.
UNSIGNED = frozenset({State.DRAFTED, State.SIGNING})
# Returned or void: it ended before taking effect.
ENDED_UNSIGNED = frozenset({State.RETURNED, State.VOID})

STATE_LABELS = {
    "drafted": N_("awaiting signatures"),
    "signing": N_("being signed"),
    "signed": N_("signed"),
    "filed": N_("filed for review"),
    "effective": N_("in effect"),
    "published": N_("in effect and published"),
    "expired": N_("expired"),
    "returned": N_("returned with an objection"),
    "void": N_("void"),
}

ACTION_LABELS = {
    "sign": N_("sign the contract"),
    "void": N_("refuse to sign and reopen the talks"),
    "file": N_("file the contract with the labour administration"),
    "approve": N_("approve the contract"),
    "object": N_("object to the contract"),
    "deem_approved": N_("deem the contract approved"),
    "publish": N_("record the publication"),
    "expire": N_("end the contract's term"),
}

CHIEFS = frozenset({"union_chief", "employer_chief"})
OFFICER = frozenset({"officer"})
SYSTEM = frozenset({"system"})


def _first_signature(event: EventData) -> bool:
    signed = set(arg(event, "signed_sides"))
    if len(signed) != 1 or not signed <= set(SIDES):
        raise TransitionNotAllowed(N_("the first signature is one side's"))
    return True


def _both_signed(event: EventData) -> bool:
    # 集体合同规定 Art 37: both chief representatives sign.
    signed = set(arg(event, "signed_sides"))
    missing = [side for side in SIDES if side not in signed]
    if missing:
        raise TransitionNotAllowed(N_("the %(side)s side has not signed yet"), side=missing[0])
    return True


def _has_reason(event: EventData) -> bool:
    if not (arg(event, "reason") or "").strip():
        raise TransitionNotAllowed(N_("give the reason in writing"))
    return True


def _has_opinion(event: EventData) -> bool:
    # 集体合同规定 Art 46: an objection is a written review opinion (审查意见书).
    if not (arg(event, "opinion") or "").strip():
        raise TransitionNotAllowed(N_("an objection needs the written review opinion"))
    return True


def _within_review_period(event: EventData) -> bool:
    # 集体合同规定 Art 46-47: the decision comes within 15 days of receipt; after them the
    # contract is in effect by law, and the tick records it even if it has not run yet today.
    today, review_due = arg(event, "today"), arg(event, "review_due")
    if today > review_due:
        raise TransitionNotAllowed(
            N_("the review period ended on %(due)s: the contract is deemed approved"),
            due=review_due.isoformat(),
        )
    return True


def _review_period_over(event: EventData) -> bool:
    # 集体合同规定 Art 47: no objection within 15 days of receipt → in effect.
    today, review_due = arg(event, "today"), arg(event, "review_due")
    if today <= review_due:
        raise TransitionNotAllowed(
            N_("the review period runs until %(due)s"), due=review_due.isoformat()
        )
    return True


def _both_published(event: EventData) -> bool:
    # 试行办法 Art 23; 集体合同规定 Art 48: each side informs its people.
    published = set(arg(event, "published_sides"))
    missing = [side for side in SIDES if side not in published]
    if missing:
        raise TransitionNotAllowed(
            N_("the %(side)s side has not recorded publishing it yet"), side=missing[0]
        )
    return True


def _term_over(event: EventData) -> bool:
    today, ends_on = arg(event, "today"), arg(event, "ends_on")
    if today <= ends_on:
        raise TransitionNotAllowed(N_("the term runs until %(end)s"), end=ends_on.isoformat())
    return True


TRANSITIONS = [
    # 集体合同规定 Art 37: both chiefs sign the text the congress approved.
    {
        "trigger": "sign",
        "source": "drafted",
        "dest": "signing",
        "conditions": [_first_signature],
        "roles": CHIEFS,
    },
    {
        "trigger": "sign",
        "source": "signing",
        "dest": "signed",
        "conditions": [_both_signed],
        "roles": CHIEFS,
    },
    {
        "trigger": "void",
        "source": ["drafted", "signing"],
        "dest": "void",
        "conditions": [_has_reason],
        "roles": CHIEFS,
    },
    # 试行办法 Art 21; 集体合同规定 Art 42: the employer files it within 7 days.
    {"trigger": "file", "source": "signed", "dest": "filed", "roles": frozenset({"employer"})},
    # 集体合同规定 Art 44-47: the labour administration reviews it.
    {
        "trigger": "approve",
        "source": "filed",
        "dest": "effective",
        "conditions": [_within_review_period],
        "roles": OFFICER,
    },
    {
        "trigger": "object",
        "source": "filed",
        "dest": "returned",
        "conditions": [_has_opinion, _within_review_period],
        "roles": OFFICER,
    },
    {
        "trigger": "deem_approved",
        "source": "filed",
        "dest": "effective",
        "conditions": [_review_period_over],
        "roles": SYSTEM,
    },
    {
        "trigger": "publish",
        "source": "effective",
        "dest": "published",
        "conditions": [_both_published],
        "roles": frozenset({"union", "employer"}),
    },
    {
        "trigger": "expire",
        "source": ["effective", "published"],
        "dest": "expired",
        "conditions": [_term_over],
        "roles": SYSTEM,
    },
]


def _no_renewal_under_way(*, renewal_started: bool, **_) -> None:
    if renewal_started:
        raise TransitionNotAllowed(N_("A renewal negotiation is under way already."))


def _renewal_window_open(*, today: date, renewal_opens_on: date, **_) -> None:
    # 集体合同规定 Art 38: renewal is negotiated in the three months before the term ends.
    if today < renewal_opens_on:
        raise TransitionNotAllowed(
            N_("Renewal may be asked for from %(day)s (three months before the term ends)."),
            day=renewal_opens_on.isoformat(),
        )


ACTIVITIES = [
    Activity(
        "renew",
        IN_FORCE,
        frozenset({"union", "employer"}),
        N_("ask to renew the contract"),
        refusal=N_("Only a union or employer representative asks to renew."),
        not_now=N_("Only a contract in force is renewed."),
        guards=(_no_renewal_under_way, _renewal_window_open),
    ),
]

WORKFLOW = Workflow(
    "contract",
    State,
    TRANSITIONS,
    activities=ACTIVITIES,
    not_now=N_("cannot %(action)s while the contract is %(state)s"),
    state_labels=STATE_LABELS,
    action_labels=ACTION_LABELS,
)
machine = WORKFLOW.machine  # the name the diagram command looks up
fire = WORKFLOW.fire
