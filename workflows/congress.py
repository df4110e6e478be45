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
from enum import StrEnum
from itertools import chain
from operator import methodcaller

from transitions.core import EventData

from workflows.errors import TransitionNotAllowed
from workflows.machines import Activity, Workflow, arg
from workflows.messages import N_, Message
from workflows.rules import (
    RuleProfile,
    item_passes,
    majority_rule,
    quorum_needed,
    quorum_reached,
    votes_needed,
)


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    IN_SESSION = "in_session"
    ADJOURNED = "adjourned"
    CANCELLED = "cancelled"


class MotionState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


SESSION_STATES = [state.value for state in SessionState]
# The main line, for a stepper (进度条).
SESSION_STEPS = [SessionState.SCHEDULED, SessionState.IN_SESSION, SessionState.ADJOURNED]
SESSION_TERMINAL = frozenset({SessionState.ADJOURNED, SessionState.CANCELLED})

# Attendance (签到) is recorded until the sitting ends; the secretary may record it before the
# opening, but a delegate checks in with the code only while the congress sits, so the code
# cannot be tried days ahead.
CHECK_IN_STATES = frozenset({SessionState.SCHEDULED, SessionState.IN_SESSION})
SELF_CHECK_IN_STATES = frozenset({SessionState.IN_SESSION})

MOTION_STATES = [state.value for state in MotionState]
MOTION_STEPS = [MotionState.DRAFT, MotionState.OPEN, MotionState.CLOSED]
MOTION_TERMINAL = frozenset({MotionState.CLOSED, MotionState.CANCELLED})

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


# Session (职代会会议)


def _no_open_motions(event: EventData) -> bool:
    # A session ends only when every vote in it has been closed (or cancelled): a vote left open
    # would go on after the congress rose.
    count = arg(event, "open_motions")
    if count:
        raise TransitionNotAllowed(
            N_("close the open motions first (still open: %(count)d)"), count=count
        )
    return True


def _no_motions_to_vote(event: EventData) -> bool:
    # A cancelled sitting votes on nothing: its motions are cancelled first, each by itself, so
    # none (and no contract draft waiting for its vote) is left behind in a session that is over.
    count = arg(event, "draft_motions")
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
    state = arg(event, "session_state")
    if state != "in_session":
        raise TransitionNotAllowed(
            N_("the voting opens only while the session is in session, not %(state)s"),
            state=STATE_LABELS.get(state, state),
        )
    return True


def _has_items(event: EventData) -> bool:
    # 企业民主管理规定 Art 20: a motion has 1..n items, each voted on by itself.
    if arg(event, "items") < 1:
        raise TransitionNotAllowed(N_("a motion needs at least one item to vote on"))
    return True


def _quorum_present(event: EventData) -> bool:
    present, total = arg(event, "present"), arg(event, "total")
    profile: RuleProfile = arg(event, "profile")
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


DELEGATE = frozenset({"delegate"})
# The congress's working body (职代会工作机构: secretary and union) runs the sittings.
ORGANISERS_ONLY = N_("Only the congress secretary or the union runs the congress.")

SESSION_WORKFLOW = Workflow(
    "session",
    SessionState,
    SESSION_TRANSITIONS,
    activities=[
        Activity(
            "check_in",
            SELF_CHECK_IN_STATES,
            DELEGATE,
            N_("check in"),
            refusal=N_("Only a delegate of this congress checks in."),
            not_now=N_("Check-in with the code opens when the session opens."),
        ),
        Activity(
            "create_motion",
            CHECK_IN_STATES,
            SECRETARY_OR_SYSTEM,
            N_("put a motion on the agenda"),
            refusal=ORGANISERS_ONLY,
            not_now=N_("The session is over."),
        ),
        Activity(
            "record_attendance",
            CHECK_IN_STATES,
            SECRETARY,
            N_("record the attendance"),
            refusal=ORGANISERS_ONLY,
        ),
    ],
    not_now=N_("cannot %(action)s while the session is %(state)s"),
    state_labels=STATE_LABELS,
    action_labels=ACTION_LABELS,
)
MOTION_WORKFLOW = Workflow(
    "motion",
    MotionState,
    MOTION_TRANSITIONS,
    activities=[
        Activity(
            "vote",
            frozenset({MotionState.OPEN}),
            DELEGATE,
            N_("vote"),
            refusal=N_("Only a delegate of this congress votes."),
            not_now=N_("Voting on this motion is closed."),
        ),
    ],
    not_now=N_("cannot %(action)s while the motion is %(state)s"),
    state_labels=STATE_LABELS,
    action_labels=ACTION_LABELS,
)
# The names the diagram command looks up.
SESSION_MACHINE = SESSION_WORKFLOW.machine
MOTION_MACHINE = MOTION_WORKFLOW.machine
# Trigger names are unique across the two machines: each names its workflow.
_WORKFLOW_OF = {
    **{trigger: SESSION_WORKFLOW for trigger in SESSION_WORKFLOW.triggers},
    **{trigger: MOTION_WORKFLOW for trigger in MOTION_WORKFLOW.triggers},
}


def fire(obj, trigger: str, **kwargs) -> None:
    """Fire `trigger` on a session or a motion (any object with a `state` attribute).

    The trigger names the machine: `open_session`, `adjourn`, `cancel_session` move a session;
    `open_voting`, `close_voting`, `cancel_motion` move a motion. Raises TransitionNotAllowed when
    the trigger is not valid in the current state or a guard fails; the state is then unchanged.
    An unknown trigger, or an object in a state its machine does not know, is a ValueError.
    """
    try:
        workflow = _WORKFLOW_OF[trigger]
    except KeyError:
        raise ValueError(f"unknown congress trigger: {trigger!r}") from None
    if obj.state not in workflow.machine.states:
        raise ValueError(
            f"{trigger} moves a {workflow.noun}; {obj.state!r} is not a {workflow.noun} state"
        )
    workflow.fire(obj, trigger, **kwargs)


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
