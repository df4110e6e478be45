"""The wage special collective contract (工资专项集体合同) from signing to expiry.

`drafted → signing → signed → filed → effective → published → expired`, with `filed → returned`
(the labour administration objects; the parties renegotiate, 集体合同规定 Art 46) and
`drafted | signing → void` (a chief refuses to sign; the talks reopen).

One module-level machine; the state lives in the contract's `state` attribute. Guards receive
their data as keyword arguments and raise `TransitionNotAllowed` with the reason in words. The
roles ("union_chief", "employer_chief", "employer", "union", "officer", "system") are computed by
the application. Deadlines are periods counted under 民法典 Art 201-203 (`workflows.calendar`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from transitions import Machine
from transitions.core import EventData

from workflows.calendar import Due, add_months, count
from workflows.errors import TransitionNotAllowed
from workflows.machines import allowed, fire_on, machine_rows, role_table, roles_by_trigger
from workflows.messages import N_
from workflows.rules import SIDES, RuleProfile

STATES = [
    "drafted",
    "signing",
    "signed",
    "filed",
    "effective",
    "published",
    "expired",
    "returned",
    "void",
]
# The main line, for a stepper (进度条).
STEPS = ["drafted", "signing", "signed", "filed", "effective", "published", "expired"]
TERMINAL = frozenset({"expired", "returned", "void"})
# The contract binds the parties (集体合同规定 Art 6) in these states.
IN_FORCE = frozenset({"effective", "published"})

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


def _arg(event: EventData, name: str):
    """A keyword argument the guard needs; leaving it out is a programming error, not a 409."""
    try:
        return event.kwargs[name]
    except KeyError:
        raise TypeError(f"{event.event.name} needs the keyword argument {name!r}") from None


def _first_signature(event: EventData) -> bool:
    signed = set(_arg(event, "signed_sides"))
    if len(signed) != 1 or not signed <= set(SIDES):
        raise TransitionNotAllowed(N_("the first signature is one side's"))
    return True


def _both_signed(event: EventData) -> bool:
    # 集体合同规定 Art 37: both chief representatives sign.
    signed = set(_arg(event, "signed_sides"))
    missing = [side for side in SIDES if side not in signed]
    if missing:
        raise TransitionNotAllowed(N_("the %(side)s side has not signed yet"), side=missing[0])
    return True


def _has_reason(event: EventData) -> bool:
    if not (_arg(event, "reason") or "").strip():
        raise TransitionNotAllowed(N_("give the reason in writing"))
    return True


def _has_opinion(event: EventData) -> bool:
    # 集体合同规定 Art 46: an objection is a written review opinion (审查意见书).
    if not (_arg(event, "opinion") or "").strip():
        raise TransitionNotAllowed(N_("an objection needs the written review opinion"))
    return True


def _within_review_period(event: EventData) -> bool:
    # 集体合同规定 Art 46-47: the decision comes within 15 days of receipt; after them the
    # contract is in effect by law, and the tick records it even if it has not run yet today.
    today, review_due = _arg(event, "today"), _arg(event, "review_due")
    if today > review_due:
        raise TransitionNotAllowed(
            N_("the review period ended on %(due)s: the contract is deemed approved"),
            due=review_due.isoformat(),
        )
    return True


def _review_period_over(event: EventData) -> bool:
    # 集体合同规定 Art 47: no objection within 15 days of receipt → in effect.
    today, review_due = _arg(event, "today"), _arg(event, "review_due")
    if today <= review_due:
        raise TransitionNotAllowed(
            N_("the review period runs until %(due)s"), due=review_due.isoformat()
        )
    return True


def _both_published(event: EventData) -> bool:
    # 试行办法 Art 23; 集体合同规定 Art 48: each side informs its people.
    published = set(_arg(event, "published_sides"))
    missing = [side for side in SIDES if side not in published]
    if missing:
        raise TransitionNotAllowed(
            N_("the %(side)s side has not recorded publishing it yet"), side=missing[0]
        )
    return True


def _term_over(event: EventData) -> bool:
    today, ends_on = _arg(event, "today"), _arg(event, "ends_on")
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

machine = Machine(
    model=None,
    states=STATES,
    transitions=machine_rows(TRANSITIONS),
    initial="drafted",
    auto_transitions=False,
    send_event=True,
)
# The name the diagram command looks up.
CONTRACT_MACHINE = machine


_ROLES = role_table(TRANSITIONS)
# Everyone who may fire a trigger from some state.
ROLES_FOR: dict[str, frozenset[str]] = roles_by_trigger(_ROLES)


def roles_for(trigger: str, state: str) -> frozenset[str]:
    """The roles that may fire `trigger` from `state` (empty when it is not valid there)."""
    return _ROLES.get((trigger, state), frozenset())


def allowed_triggers(state: str, roles: set[str]) -> list[str]:
    """The triggers valid from `state` that one of `roles` may fire, in the order of TRANSITIONS.

    Guards are not evaluated: an allowed trigger may still be refused with its reason.
    """
    return allowed(machine, _ROLES, state, roles)


def fire(contract, trigger: str, **kwargs) -> None:
    """Fire `trigger` on `contract` (any object with a `state` attribute).

    Raises TransitionNotAllowed when the trigger is not valid in the current state or a guard
    fails; the state is then unchanged. An unknown trigger name is a ValueError.
    """
    if trigger not in machine.events:
        raise ValueError(f"unknown contract trigger: {trigger!r}")
    fire_on(
        machine,
        contract,
        trigger,
        N_("cannot %(action)s while the contract is %(state)s"),
        ACTION_LABELS,
        STATE_LABELS,
        **kwargs,
    )


# Deadlines and the term


@dataclass(frozen=True)
class Term:
    """The contract's term (期限): from the day it takes effect, 1 to 3 years (Art 38)."""

    starts_on: date
    ends_on: date
    renewal_opens_on: date


def term(effective_on: date, years: int, profile: RuleProfile) -> Term:
    """The term that starts on `effective_on`; it ends the day before the same date `years`
    later, and renewal may be requested from `renewal_window_months` before its end (Art 38)."""
    if not 1 <= years <= 3:
        raise ValueError(f"a contract's term is 1 to 3 years, not {years}")
    anniversary = add_months(effective_on, 12 * years)
    if anniversary.day != effective_on.day:
        # From 29 February, the anniversary in a common year is 1 March (民法典 Art 202 gives
        # a period with no corresponding day the month's last day; the term ends the day before).
        anniversary += timedelta(days=1)
    ends_on = anniversary - timedelta(days=1)
    return Term(effective_on, ends_on, add_months(ends_on, -profile.renewal_window_months))


def filing_deadline(last_signed_on: date, profile: RuleProfile) -> Due:
    """The last day to file the signed contract (报送审查)."""
    # 试行办法 Art 21: within 7 days of signing; 集体合同规定 Art 42: 10 days.
    return count(last_signed_on, profile.filing_days, profile.day_counting)


def review_deadline(filed_on: date, profile: RuleProfile) -> Due:
    """The last day on which the labour administration may object (审查期限)."""
    # 集体合同规定 Art 45-47: 15 days from receipt of the text.
    return count(filed_on, profile.review_days, profile.day_counting)


def deemed_effective_on(review_due: date) -> date:
    """No objection by the end of the review period: in effect from the next day (Art 47)."""
    return review_due + timedelta(days=1)


def publication_deadline(effective_on: date, profile: RuleProfile) -> Due:
    """The last day to publish the contract to all staff (公布)."""
    # 试行办法 Art 23; 集体合同规定 Art 48: within 5 days of taking effect.
    return count(effective_on, profile.publication_days, profile.day_counting)
