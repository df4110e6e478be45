"""The negotiation (集体协商) machine: transitions, guards in words, roles, a random walk."""

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from transitions import Machine

from workflows.diagram import mermaid
from workflows.errors import TransitionNotAllowed
from workflows.messages import Message
from workflows.negotiation import STATES, STEPS, TERMINAL, WORKFLOW, fire, machine
from workflows.rules import RuleProfile

ROLES_FOR = {trigger: WORKFLOW.roles_for_action[trigger] for trigger in WORKFLOW.triggers}
allowed_triggers = WORKFLOW.allowed_triggers
roles_for = WORKFLOW.roles_for

ALL_ROLES = {"requester", "responder", "union", "employer", "coordinator", "secretary", "system"}
TODAY = date(2026, 9, 21)


class Negotiation:
    """A stand-in for the application's model: the machine needs only a `state` attribute."""

    def __init__(self, state: str = "draft"):
        self.state = state


# Keyword arguments that satisfy each trigger's guards.
VALID = {
    "refuse": {"reason": "本年度工资已调整"},
    "escalate": {"refused": True, "overdue": False},
    "start_talks": {"representative_problems": [], "has_recorder": True},
    "suspend": {"agreed_by_both": True, "resume_on": date(2026, 9, 28), "today": TODAY},
    "extend_dispute": {"already_extended": False, "extension_days": 15, "profile": RuleProfile()},
    "agree": {"union_accepted": 7, "employer_accepted": 7},
    "ratify": {"failed_items": []},
    "reject": {"failed_items": ["第三条 技能津贴"]},
}


@pytest.mark.parametrize(
    ("trigger", "source", "dest"),
    [
        ("send_request", "draft", "requested"),
        ("accept", "requested", "preparing"),
        ("refuse", "requested", "requested"),
        ("escalate", "requested", "in_dispute"),
        ("escalate", "negotiating", "in_dispute"),
        ("withdraw", "draft", "abandoned"),
        ("withdraw", "requested", "abandoned"),
        ("start_talks", "preparing", "negotiating"),
        ("suspend", "negotiating", "suspended"),
        ("resume", "suspended", "negotiating"),
        ("extend_dispute", "in_dispute", "in_dispute"),
        ("resolve_dispute", "in_dispute", "negotiating"),
        ("abandon", "in_dispute", "abandoned"),
        ("agree", "negotiating", "agreed"),
        ("reopen", "agreed", "negotiating"),
        ("submit_to_congress", "agreed", "in_congress"),
        ("ratify", "in_congress", "ratified"),
        ("reject", "in_congress", "negotiating"),
        ("withdraw_from_congress", "in_congress", "agreed"),
        ("renegotiate", "ratified", "negotiating"),
    ],
)
def test_trigger_moves_from_its_source_to_its_dest(trigger, source, dest):
    negotiation = Negotiation(source)
    fire(negotiation, trigger, **VALID.get(trigger, {}))
    assert negotiation.state == dest


def test_the_machine_keeps_no_model_of_its_own():
    fire(Negotiation("draft"), "send_request")
    assert machine.models == []


def test_escalating_late_without_a_refusal_is_allowed():
    negotiation = Negotiation("requested")
    fire(negotiation, "escalate", refused=False, overdue=True)
    assert negotiation.state == "in_dispute"


def test_dispute_extension_follows_the_regions_own_limit():
    negotiation = Negotiation("in_dispute")
    fire(
        negotiation,
        "extend_dispute",
        already_extended=False,
        extension_days=10,
        profile=RuleProfile(dispute_extension_days=10),
    )
    assert negotiation.state == "in_dispute"


def _with(trigger: str, **changes) -> dict:
    return {**VALID[trigger], **changes}


@pytest.mark.parametrize(
    ("trigger", "source", "kwargs", "reason"),
    [
        ("refuse", "requested", {"reason": ""}, "a refusal must give its reason in writing"),
        ("refuse", "requested", {"reason": "   "}, "a refusal must give its reason in writing"),
        (
            "escalate",
            "requested",
            {"refused": False, "overdue": False},
            "the other side has not refused and its response deadline has not passed; "
            "coordination cannot be asked for yet",
        ),
        (
            "start_talks",
            "preparing",
            _with(
                "start_talks",
                representative_problems=[
                    Message(
                        "the %(side)s side has %(count)d representatives",
                        {"side": "union", "count": 2},
                    ),
                    Message("no recorder has been appointed"),
                ],
            ),
            "the representatives are not ready (problems to fix: 2); first: the union side has 2 "
            "representatives",
        ),
        (
            "start_talks",
            "preparing",
            _with("start_talks", has_recorder=False),
            "no recorder has been appointed for the talks",
        ),
        (
            "suspend",
            "negotiating",
            _with("suspend", agreed_by_both=False),
            "the talks can be suspended only when both sides agree",
        ),
        (
            "suspend",
            "negotiating",
            _with("suspend", resume_on=TODAY),
            "the talks must resume after today (2026-09-21), not on 2026-09-21",
        ),
        (
            "suspend",
            "negotiating",
            _with("suspend", resume_on=date(2026, 9, 1)),
            "the talks must resume after today (2026-09-21), not on 2026-09-01",
        ),
        (
            "suspend",
            "negotiating",
            _with("suspend", resume_on=None),
            "a suspension needs the date on which the talks resume",
        ),
        (
            "extend_dispute",
            "in_dispute",
            _with("extend_dispute", already_extended=True),
            "the dispute coordination has already been extended once",
        ),
        (
            "extend_dispute",
            "in_dispute",
            _with("extend_dispute", extension_days=16),
            "an extension is 1 to 15 days, not 16",
        ),
        (
            "extend_dispute",
            "in_dispute",
            _with("extend_dispute", extension_days=0),
            "an extension is 1 to 15 days, not 0",
        ),
        (
            "agree",
            "negotiating",
            {"union_accepted": None, "employer_accepted": None},
            "neither side has accepted a proposal",
        ),
        (
            "agree",
            "negotiating",
            {"union_accepted": None, "employer_accepted": 7},
            "the union side has not accepted a proposal",
        ),
        (
            "agree",
            "negotiating",
            {"union_accepted": 7, "employer_accepted": None},
            "the employer side has not accepted a proposal",
        ),
        (
            "agree",
            "negotiating",
            {"union_accepted": 7, "employer_accepted": 8},
            "the sides accepted different proposals (union: 7, employer: 8)",
        ),
        (
            "ratify",
            "in_congress",
            {"failed_items": ["第二条 基本工资", "第三条 技能津贴"]},
            "items rejected by the congress: 第二条 基本工资, 第三条 技能津贴",
        ),
        (
            "reject",
            "in_congress",
            {"failed_items": []},
            "the congress approved every item; the draft cannot go back to the talks",
        ),
    ],
)
def test_failed_guard_says_why_and_keeps_the_state(trigger, source, kwargs, reason):
    negotiation = Negotiation(source)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(negotiation, trigger, **kwargs)
    assert str(raised.value) == reason
    assert negotiation.state == source


@pytest.mark.parametrize(
    ("trigger", "state", "words"),
    [
        ("accept", "draft", "cannot accept the request while the negotiation is draft"),
        ("send_request", "requested", "cannot send the request while the negotiation is requested"),
        ("agree", "suspended", "cannot agree on the draft while the negotiation is suspended"),
        (
            "escalate",
            "preparing",
            "cannot ask for dispute coordination while the negotiation is preparing",
        ),
        (
            "withdraw",
            "negotiating",
            "cannot withdraw the request while the negotiation is negotiating",
        ),
        (
            "ratify",
            "agreed",
            "cannot ratify the draft while the negotiation is agreed",
        ),
        ("resume", "in_dispute", "cannot resume the talks while the negotiation is in dispute"),
        (
            "reopen",
            "ratified",
            "cannot reopen the talks while the negotiation is ratified",
        ),
        (
            "resolve_dispute",
            "abandoned",
            "cannot resolve the dispute while the negotiation is abandoned",
        ),
    ],
)
def test_trigger_not_valid_in_a_state_is_refused_naming_the_state(trigger, state, words):
    negotiation = Negotiation(state)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(negotiation, trigger, **VALID.get(trigger, {}))
    assert str(raised.value) == words
    assert raised.value.message.params["state"] in words
    assert negotiation.state == state


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (state, trigger)
        for state in sorted(TERMINAL)
        for trigger in sorted(ROLES_FOR)
        # the contract's return or refusal is the one way back from `ratified`
        if (state, trigger) != ("ratified", "renegotiate")
    ],
)
def test_nothing_moves_a_finished_negotiation(state, trigger):
    negotiation = Negotiation(state)
    with pytest.raises(TransitionNotAllowed):
        fire(negotiation, trigger, **VALID.get(trigger, {}))
    assert negotiation.state == state


def test_unknown_trigger_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown negotiation trigger: 'sign'"):
        fire(Negotiation("agreed"), "sign")


def test_guard_without_its_keyword_argument_is_a_programming_error():
    negotiation = Negotiation("requested")
    with pytest.raises(TypeError, match="refuse needs the keyword argument 'reason'"):
        fire(negotiation, "refuse")
    assert negotiation.state == "requested"


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        ("draft", {"union", "requester"}, ["send_request", "withdraw"]),
        ("draft", {"employer", "responder"}, []),
        ("requested", {"employer", "responder"}, ["accept", "refuse"]),
        ("requested", {"union", "requester"}, ["escalate", "withdraw"]),
        ("requested", {"coordinator"}, []),
        ("preparing", {"employer", "responder"}, ["start_talks"]),
        ("negotiating", {"employer", "responder"}, ["escalate", "suspend", "agree"]),
        ("negotiating", {"union", "requester"}, ["escalate", "suspend", "agree"]),
        ("negotiating", {"coordinator"}, []),
        ("suspended", {"union"}, ["resume"]),
        ("in_dispute", {"coordinator"}, ["extend_dispute", "resolve_dispute", "abandon"]),
        ("in_dispute", {"employer"}, ["extend_dispute", "resolve_dispute", "abandon"]),
        ("agreed", {"union"}, ["reopen", "submit_to_congress"]),
        ("agreed", {"employer"}, ["reopen"]),
        ("agreed", {"secretary"}, ["submit_to_congress"]),
        ("in_congress", {"union", "employer", "secretary"}, []),
        ("in_congress", {"system"}, ["ratify", "reject", "withdraw_from_congress"]),
        ("ratified", ALL_ROLES - {"system"}, []),
        ("ratified", {"system"}, ["renegotiate"]),
        ("abandoned", ALL_ROLES, []),
    ],
)
def test_allowed_triggers_for_state_and_roles(state, roles, expected):
    assert allowed_triggers(state, roles) == expected


@pytest.mark.parametrize(
    ("trigger", "state", "roles"),
    [
        ("escalate", "requested", {"requester"}),
        ("escalate", "negotiating", {"union", "employer"}),
        ("escalate", "agreed", set()),
    ],
)
def test_who_may_escalate_depends_on_the_state(trigger, state, roles):
    assert roles_for(trigger, state) == roles


def test_either_side_may_escalate_somewhere():
    assert ROLES_FOR["escalate"] == {"requester", "union", "employer"}


def test_steps_are_the_main_line_in_order():
    negotiation = Negotiation()
    for trigger, dest in zip(
        ["send_request", "accept", "start_talks", "agree", "submit_to_congress", "ratify"],
        STEPS[1:],
        strict=True,
    ):
        fire(negotiation, trigger, **VALID.get(trigger, {}))
        assert negotiation.state == dest


def test_diagram_shows_every_transition_of_the_negotiation():
    assert mermaid(machine) == (
        "stateDiagram-v2\n"
        "    [*] --> draft\n"
        "    draft --> requested: send_request\n"
        "    draft --> abandoned: withdraw\n"
        "    requested --> preparing: accept\n"
        "    requested --> requested: refuse\n"
        "    requested --> in_dispute: escalate\n"
        "    requested --> abandoned: withdraw\n"
        "    preparing --> negotiating: start_talks\n"
        "    negotiating --> in_dispute: escalate\n"
        "    negotiating --> suspended: suspend\n"
        "    negotiating --> agreed: agree\n"
        "    suspended --> negotiating: resume\n"
        "    in_dispute --> in_dispute: extend_dispute\n"
        "    in_dispute --> negotiating: resolve_dispute\n"
        "    in_dispute --> abandoned: abandon\n"
        "    agreed --> negotiating: reopen\n"
        "    agreed --> in_congress: submit_to_congress\n"
        "    in_congress --> ratified: ratify\n"
        "    in_congress --> negotiating: reject\n"
        "    in_congress --> agreed: withdraw_from_congress\n"
        "    ratified --> negotiating: renegotiate\n"
        "    abandoned --> [*]"
    )


# Random keyword arguments, valid or not, for every guard at once (a trigger ignores the others).
GUARD_KWARGS = st.fixed_dictionaries(
    {
        "reason": st.sampled_from(["", "  ", "本年度工资已调整"]),
        "refused": st.booleans(),
        "overdue": st.booleans(),
        "representative_problems": st.lists(
            st.builds(Message, st.sampled_from(["no recorder has been appointed"])), max_size=2
        ),
        "has_recorder": st.booleans(),
        "agreed_by_both": st.booleans(),
        "resume_on": st.one_of(st.none(), st.dates(date(2026, 9, 1), date(2026, 10, 31))),
        "today": st.just(TODAY),
        "already_extended": st.booleans(),
        "extension_days": st.integers(-1, 20),
        "profile": st.just(RuleProfile()),
        "union_accepted": st.sampled_from([None, 7, 8]),
        "employer_accepted": st.sampled_from([None, 7, 8]),
        "failed_items": st.lists(st.sampled_from(["第二条", "第三条"]), max_size=2),
    }
)


class RandomNegotiation(RuleBasedStateMachine):
    """Fires random triggers with random arguments and checks what must always hold."""

    def __init__(self):
        super().__init__()
        self.negotiation = Negotiation()
        self.entered_by: tuple[str, dict] | None = None
        self.agreement: dict | None = None

    @rule(data=st.data(), kwargs=GUARD_KWARGS)
    def fire_a_trigger(self, data, kwargs):
        before = self.negotiation.state
        # Half the time a trigger valid now, so that the walk gets past the first states; the
        # ways to abandon are left to the other half, or most walks would end early.
        valid_now = [t for t in machine.get_triggers(before) if t not in ("withdraw", "abandon")]
        valid_now = valid_now or sorted(ROLES_FOR)
        trigger = data.draw(st.sampled_from(valid_now) | st.sampled_from(sorted(ROLES_FOR)))
        try:
            fire(self.negotiation, trigger, **kwargs)
        except TransitionNotAllowed:
            assert self.negotiation.state == before
        else:
            assert trigger in machine.get_triggers(before)
            if self.negotiation.state != before:
                self.entered_by = (trigger, kwargs)
            if trigger == "agree":
                self.agreement = kwargs

    @precondition(lambda self: self.negotiation.state in TERMINAL)
    @rule()
    def open_a_new_negotiation(self):
        self.negotiation = Negotiation()
        self.entered_by = None
        self.agreement = None

    @invariant()
    def state_is_known(self):
        assert self.negotiation.state in STATES

    @invariant()
    def finished_negotiation_offers_no_action(self):
        if self.negotiation.state in TERMINAL:
            # only the contract's return or refusal reopens a ratified negotiation
            assert allowed_triggers(self.negotiation.state, ALL_ROLES - {"system"}) == []

    @invariant()
    def ratified_only_when_every_item_passed(self):
        if self.negotiation.state == "ratified":
            trigger, kwargs = self.entered_by
            assert trigger == "ratify"
            assert kwargs["failed_items"] == []

    @invariant()
    def agreed_only_on_one_accepted_proposal(self):
        if self.negotiation.state == "agreed":
            # entered by `agree`, or by a withdrawal from the congress of the draft agreed so
            trigger, _ = self.entered_by
            assert trigger in ("agree", "withdraw_from_congress")
            assert self.agreement["union_accepted"] is not None
            assert self.agreement["union_accepted"] == self.agreement["employer_accepted"]


RandomNegotiation.TestCase.settings = settings(
    max_examples=200, stateful_step_count=60, suppress_health_check=[HealthCheck.too_slow]
)
test_random_negotiation_keeps_its_invariants = RandomNegotiation.TestCase


def test_diagram_of_any_machine_draws_loops_and_ends():
    door = Machine(
        model=None,
        states=["shut", "open", "gone"],
        transitions=[
            {"trigger": "knock", "source": "shut", "dest": None},
            {"trigger": "push", "source": "shut", "dest": "open"},
            {"trigger": "push", "source": "open", "dest": "open"},
            {"trigger": "remove", "source": ["shut", "open"], "dest": "gone"},
        ],
        initial="shut",
        auto_transitions=False,
    )
    assert mermaid(door).splitlines() == [
        "stateDiagram-v2",
        "    [*] --> shut",
        "    shut --> shut: knock",
        "    shut --> open: push",
        "    shut --> gone: remove",
        "    open --> open: push",
        "    open --> gone: remove",
        "    gone --> [*]",
    ]
