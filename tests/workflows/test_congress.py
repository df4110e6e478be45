"""The workers' congress vote (职工代表大会表决): sessions, motions, tally, seal, roster."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from workflows.congress import (
    ACTION_LABELS,
    ANSWER_LABELS,
    ANSWERS,
    MOTION_MACHINE,
    MOTION_STATES,
    MOTION_STEPS,
    MOTION_TERMINAL,
    MOTION_WORKFLOW,
    SESSION_MACHINE,
    SESSION_STATES,
    SESSION_STEPS,
    SESSION_TERMINAL,
    SESSION_WORKFLOW,
    STATE_LABELS,
    ItemTally,
    ballot_line,
    fire,
    participation_line,
    seal,
    tally,
)
from workflows.diagram import mermaid
from workflows.errors import TransitionNotAllowed
from workflows.rules import RuleProfile, roster_warnings

session_machine, motion_machine = SESSION_MACHINE, MOTION_MACHINE
ROLES_FOR = {
    trigger: workflow.roles_for_action[trigger]
    for workflow in (SESSION_WORKFLOW, MOTION_WORKFLOW)
    for trigger in workflow.triggers
}
allowed_session_triggers = SESSION_WORKFLOW.allowed_triggers
allowed_motion_triggers = MOTION_WORKFLOW.allowed_triggers


def roles_for(trigger: str, state: str) -> frozenset[str]:
    workflow = SESSION_WORKFLOW if trigger in SESSION_WORKFLOW.triggers else MOTION_WORKFLOW
    return workflow.roles_for(trigger, state)


NATIONAL = RuleProfile()
ALL_ROLES = {"secretary", "system", "delegate", "union", "employer"}
SESSION_TRIGGERS = list(session_machine.events)
MOTION_TRIGGERS = list(motion_machine.events)


class Thing:
    """A stand-in for a session or motion model: the machines need only a `state` attribute."""

    def __init__(self, state: str):
        self.state = state


# Keyword arguments that satisfy each trigger's guards: 20 of 30 delegates is just a quorum.
VALID = {
    "adjourn": {"open_motions": 0},
    "cancel_session": {"draft_motions": 0},
    "open_voting": {
        "session_state": "in_session",
        "present": 20,
        "total": 30,
        "profile": NATIONAL,
        "items": 3,
    },
}


def _with(trigger: str, **changes) -> dict:
    return {**VALID[trigger], **changes}


# Transitions and guards


@pytest.mark.parametrize(
    ("trigger", "source", "dest"),
    [
        ("open_session", "scheduled", "in_session"),
        ("adjourn", "in_session", "adjourned"),
        ("cancel_session", "scheduled", "cancelled"),
        ("open_voting", "draft", "open"),
        ("close_voting", "open", "closed"),
        ("cancel_motion", "draft", "cancelled"),
        ("cancel_motion", "open", "cancelled"),
    ],
)
def test_trigger_moves_from_its_source_to_its_dest(trigger, source, dest):
    thing = Thing(source)
    fire(thing, trigger, **VALID.get(trigger, {}))
    assert thing.state == dest


def test_the_machines_keep_no_model_of_their_own():
    fire(Thing("scheduled"), "open_session")
    fire(Thing("open"), "close_voting")
    assert session_machine.models == [] and motion_machine.models == []


@pytest.mark.parametrize(
    ("present", "total", "profile"),
    [
        pytest.param(20, 30, NATIONAL, id="20-of-30"),
        pytest.param(30, 30, NATIONAL, id="all-present"),
        pytest.param(21, 31, NATIONAL, id="21-of-31"),
        pytest.param(23, 30, RuleProfile(quorum_numerator=3, quorum_denominator=4), id="3/4"),
    ],
)
def test_voting_opens_with_quorum(present, total, profile):
    motion = Thing("draft")
    fire(
        motion, "open_voting", **_with("open_voting", present=present, total=total, profile=profile)
    )
    assert motion.state == "open"


def test_a_motion_with_a_single_item_may_open():
    motion = Thing("draft")
    fire(motion, "open_voting", **_with("open_voting", items=1))
    assert motion.state == "open"


@pytest.mark.parametrize(
    ("trigger", "source", "kwargs", "reason"),
    [
        (
            "adjourn",
            "in_session",
            {"open_motions": 1},
            "close the open motions first (still open: 1)",
        ),
        (
            "adjourn",
            "in_session",
            {"open_motions": 3},
            "close the open motions first (still open: 3)",
        ),
        (
            "cancel_session",
            "scheduled",
            {"draft_motions": 2},
            "cancel the session's motions first (still to be voted on: 2)",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", session_state="scheduled"),
            "the voting opens only while the session is in session, not scheduled",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", session_state="adjourned"),
            "the voting opens only while the session is in session, not adjourned",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", items=0),
            "a motion needs at least one item to vote on",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", present=19),
            "quorum not reached: 19 of 30 delegates present, 20 needed",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", present=20, total=31),
            "quorum not reached: 20 of 31 delegates present, 21 needed",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", present=0),
            "quorum not reached: 0 of 30 delegates present, 20 needed",
        ),
        (
            "open_voting",
            "draft",
            _with(
                "open_voting",
                present=22,
                profile=RuleProfile(quorum_numerator=3, quorum_denominator=4),
            ),
            "quorum not reached: 22 of 30 delegates present, 23 needed",
        ),
        (
            "open_voting",
            "draft",
            _with("open_voting", present=0, total=0),
            "the congress has no delegates to vote",
        ),
    ],
)
def test_failed_guard_says_why_and_keeps_the_state(trigger, source, kwargs, reason):
    thing = Thing(source)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(thing, trigger, **kwargs)
    assert str(raised.value) == reason
    assert thing.state == source


def test_quorum_refusal_carries_its_numbers_for_translation():
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(Thing("draft"), "open_voting", **_with("open_voting", present=19))
    assert raised.value.message.params == {"present": 19, "total": 30, "needed": 20}


@pytest.mark.parametrize(
    ("trigger", "state", "words"),
    [
        ("open_session", "in_session", "cannot open the session while the session is in session"),
        ("adjourn", "scheduled", "cannot adjourn the session while the session is scheduled"),
        (
            "cancel_session",
            "in_session",
            "cannot cancel the session while the session is in session",
        ),
        ("open_session", "adjourned", "cannot open the session while the session is adjourned"),
        ("open_voting", "open", "cannot open the voting while the motion is open for voting"),
        ("open_voting", "closed", "cannot open the voting while the motion is closed"),
        ("close_voting", "draft", "cannot close the voting while the motion is draft"),
        ("cancel_motion", "closed", "cannot cancel the motion while the motion is closed"),
        ("close_voting", "cancelled", "cannot close the voting while the motion is cancelled"),
    ],
)
def test_trigger_not_valid_in_a_state_is_refused_naming_the_state(trigger, state, words):
    thing = Thing(state)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(thing, trigger, **VALID.get(trigger, {}))
    assert str(raised.value) == words
    assert thing.state == state


@pytest.mark.parametrize(
    ("state", "trigger"),
    [(state, trigger) for state in sorted(SESSION_TERMINAL) for trigger in SESSION_TRIGGERS]
    + [(state, trigger) for state in sorted(MOTION_TERMINAL) for trigger in MOTION_TRIGGERS],
)
def test_nothing_moves_a_finished_session_or_motion(state, trigger):
    thing = Thing(state)
    with pytest.raises(TransitionNotAllowed):
        fire(thing, trigger, **VALID.get(trigger, {}))
    assert thing.state == state


def test_unknown_trigger_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown congress trigger: 'ratify'"):
        fire(Thing("open"), "ratify")


@pytest.mark.parametrize(
    ("trigger", "state", "words"),
    [
        ("open_session", "draft", "open_session moves a session; 'draft' is not a session state"),
        ("close_voting", "in_session", "close_voting moves a motion; 'in_session' is not a motion"),
    ],
)
def test_a_trigger_fired_on_the_wrong_kind_of_object_is_a_programming_error(trigger, state, words):
    thing = Thing(state)
    with pytest.raises(ValueError, match=words):
        fire(thing, trigger)
    assert thing.state == state


@pytest.mark.parametrize(
    ("trigger", "source", "missing"),
    [
        ("adjourn", "in_session", "open_motions"),
        ("cancel_session", "scheduled", "draft_motions"),
        ("open_voting", "draft", "session_state"),
        ("open_voting", "draft", "items"),
        ("open_voting", "draft", "present"),
        ("open_voting", "draft", "profile"),
    ],
)
def test_guard_without_its_keyword_argument_is_a_programming_error(trigger, source, missing):
    thing = Thing(source)
    kwargs = {k: v for k, v in VALID[trigger].items() if k != missing}
    with pytest.raises(TypeError, match=f"{trigger} needs the keyword argument '{missing}'"):
        fire(thing, trigger, **kwargs)
    assert thing.state == source


def test_more_delegates_present_than_the_congress_has_is_a_programming_error():
    with pytest.raises(ValueError, match="between 0 and the 30 delegates, not 31"):
        fire(Thing("draft"), "open_voting", **_with("open_voting", present=31))


# Roles and allowed actions


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        ("scheduled", {"secretary"}, ["open_session", "cancel_session"]),
        ("scheduled", {"delegate", "union", "system"}, []),
        ("in_session", {"secretary"}, ["adjourn"]),
        ("in_session", {"system", "delegate"}, []),
        ("adjourned", ALL_ROLES, []),
        ("cancelled", ALL_ROLES, []),
    ],
)
def test_allowed_session_triggers_for_state_and_roles(state, roles, expected):
    assert allowed_session_triggers(state, roles) == expected


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        ("draft", {"secretary"}, ["open_voting", "cancel_motion"]),
        ("draft", {"system", "delegate"}, []),
        ("open", {"secretary"}, ["close_voting", "cancel_motion"]),
        ("open", {"system"}, ["close_voting"]),
        ("open", {"delegate", "union", "employer"}, []),
        ("closed", ALL_ROLES, []),
        ("cancelled", ALL_ROLES, []),
    ],
)
def test_allowed_motion_triggers_for_state_and_roles(state, roles, expected):
    assert allowed_motion_triggers(state, roles) == expected


@pytest.mark.parametrize(
    ("trigger", "state", "roles"),
    [
        ("close_voting", "open", {"secretary", "system"}),
        ("cancel_motion", "open", {"secretary"}),
        ("cancel_motion", "closed", set()),
        ("adjourn", "in_session", {"secretary"}),
        ("adjourn", "scheduled", set()),
    ],
)
def test_roles_for_a_trigger_in_a_state(trigger, state, roles):
    assert roles_for(trigger, state) == roles


def test_only_the_tick_besides_the_secretary_fires_anything():
    assert {t for t, roles in ROLES_FOR.items() if "system" in roles} == {"close_voting"}


def test_trigger_names_are_unique_across_the_two_machines():
    assert not set(SESSION_TRIGGERS) & set(MOTION_TRIGGERS)
    assert set(ACTION_LABELS) == set(SESSION_TRIGGERS) | set(MOTION_TRIGGERS) == set(ROLES_FOR)


def test_every_state_has_a_label():
    assert set(STATE_LABELS) == set(SESSION_STATES) | set(MOTION_STATES)


@pytest.mark.parametrize(
    ("steps", "triggers"),
    [
        (SESSION_STEPS, ["open_session", "adjourn"]),
        (MOTION_STEPS, ["open_voting", "close_voting"]),
    ],
)
def test_steps_are_the_main_line_in_order(steps, triggers):
    thing = Thing(steps[0])
    for trigger, dest in zip(triggers, steps[1:], strict=True):
        fire(thing, trigger, **VALID.get(trigger, {}))
        assert thing.state == dest


@pytest.mark.parametrize(
    ("machine", "diagram"),
    [
        (
            SESSION_MACHINE,
            [
                "stateDiagram-v2",
                "    [*] --> scheduled",
                "    scheduled --> in_session: open_session",
                "    scheduled --> cancelled: cancel_session",
                "    in_session --> adjourned: adjourn",
                "    adjourned --> [*]",
                "    cancelled --> [*]",
            ],
        ),
        (
            MOTION_MACHINE,
            [
                "stateDiagram-v2",
                "    [*] --> draft",
                "    draft --> open: open_voting",
                "    draft --> cancelled: cancel_motion",
                "    open --> closed: close_voting",
                "    open --> cancelled: cancel_motion",
                "    closed --> [*]",
                "    cancelled --> [*]",
            ],
        ),
    ],
    ids=["session", "motion"],
)
def test_diagram_shows_every_transition(machine, diagram):
    assert mermaid(machine).splitlines() == diagram


# The tally


def one_item_ballots(yes: int = 0, no: int = 0, abstain: int = 0, blank: int = 0) -> list[dict]:
    """Ballots for a motion with the single item 1; a blank ballot leaves it unanswered."""
    return [{1: "yes"}] * yes + [{1: "no"}] * no + [{1: "abstain"}] * abstain + [{}] * blank


@pytest.mark.parametrize(
    ("ballots", "total", "passed", "needed"),
    [
        pytest.param(one_item_ballots(yes=15, no=5), 30, False, 16, id="15-of-30-fails"),
        pytest.param(one_item_ballots(yes=16, no=4), 30, True, 16, id="16-of-30-passes"),
        pytest.param(one_item_ballots(yes=15, no=6), 31, False, 16, id="15-of-31-fails"),
        pytest.param(one_item_ballots(yes=16, no=5), 31, True, 16, id="16-of-31-passes"),
        pytest.param(one_item_ballots(yes=15, no=0), 30, False, 16, id="unanimous-15-fails"),
        pytest.param(one_item_ballots(yes=15, abstain=15), 30, False, 16, id="abstain-not-yes"),
        pytest.param(one_item_ballots(yes=15, blank=15), 30, False, 16, id="blank-not-yes"),
        pytest.param(one_item_ballots(yes=16, abstain=14), 30, True, 16, id="abstentions-no-harm"),
    ],
)
def test_an_item_passes_with_more_than_half_of_all_delegates(ballots, total, passed, needed):
    result = tally(ballots, [1], total, len(ballots), NATIONAL)
    (item,) = result.items
    assert (item.passed, item.needed) == (passed, needed)


def test_item_counts_each_answer_and_the_blanks():
    result = tally(one_item_ballots(yes=16, no=2, abstain=3, blank=1), [1], 30, 25, NATIONAL)
    assert result.items == [
        ItemTally(
            number=1, yes=16, no=2, abstain=3, total_delegates=30, passed=True, needed=16, blank=1
        )
    ]
    assert (result.voted, result.present, result.total_delegates) == (22, 25, 30)


@pytest.mark.parametrize(
    ("present", "total", "needed", "reached"),
    [(19, 30, 20, False), (20, 30, 20, True), (20, 31, 21, False), (21, 31, 21, True)],
)
def test_tally_reports_the_quorum(present, total, needed, reached):
    result = tally([], [1], total, present, NATIONAL)
    assert (result.quorum_needed, result.quorum_reached) == (needed, reached)


def _three_items(passing: set[int]) -> list[dict]:
    """16 ballots of 30 that say yes to the `passing` items and no to the others."""
    return [{n: "yes" if n in passing else "no" for n in (1, 2, 3)}] * 16


@pytest.mark.parametrize(
    ("passing", "result", "failed_items"),
    [
        ({1, 2, 3}, "passed", []),
        (set(), "failed", [1, 2, 3]),
        ({1, 3}, "partial", [2]),
        ({2}, "partial", [1, 3]),
    ],
)
def test_motion_result_follows_its_items(passing, result, failed_items):
    outcome = tally(_three_items(passing), [1, 2, 3], 30, 20, NATIONAL)
    assert (outcome.result, outcome.failed_items) == (result, failed_items)


def test_items_are_reported_in_the_motions_order():
    outcome = tally([{3: "yes", 1: "no"}], [3, 1, 2], 30, 20, NATIONAL)
    assert [(i.number, i.yes, i.no, i.blank) for i in outcome.items] == [
        (3, 1, 0, 0),
        (1, 0, 1, 0),
        (2, 0, 0, 1),
    ]


def test_tally_accepts_any_iterable_of_ballots():
    outcome = tally(iter(one_item_ballots(yes=16)), [1], 30, 20, NATIONAL)
    assert (outcome.voted, outcome.result) == (16, "passed")


@pytest.mark.parametrize(
    ("total", "profile", "words", "params"),
    [
        (
            30,
            NATIONAL,
            "An item passes with yes votes of more than half of all 30 delegates: at least 16 yes "
            "votes (集体合同规定 Art 36; 企业民主管理规定 Art 20). Abstentions and blank answers "
            "are not yes votes.",
            {"total": 30, "needed": 16},
        ),
        (
            31,
            NATIONAL,
            "An item passes with yes votes of more than half of all 31 delegates: at least 16 yes "
            "votes (集体合同规定 Art 36; 企业民主管理规定 Art 20). Abstentions and blank answers "
            "are not yes votes.",
            {"total": 31, "needed": 16},
        ),
        (
            30,
            RuleProfile(majority_numerator=2, majority_denominator=3),
            "An item passes with yes votes of more than 2/3 of all 30 delegates: at least 21 yes "
            "votes (the region's rule). Abstentions and blank answers are not yes votes.",
            {"total": 30, "needed": 21, "numerator": 2, "denominator": 3},
        ),
    ],
)
def test_the_rule_is_stated_with_its_numbers(total, profile, words, params):
    rule = tally([], [1], total, total, profile).rule
    assert str(rule) == words
    assert rule.params == params


def test_a_regions_own_majority_decides():
    two_thirds = RuleProfile(majority_numerator=2, majority_denominator=3)
    ballots = [{1: "yes", 2: "yes"}] * 20 + [{1: "yes", 2: "no"}]
    outcome = tally(ballots, [1, 2], 30, 30, two_thirds)
    assert (outcome.result, outcome.failed_items) == ("partial", [2])


@pytest.mark.parametrize(
    ("ballots", "item_numbers", "present", "words"),
    [
        ([{1: "maybe"}], [1], 20, "answers item 1 with 'maybe', not yes/no/abstain"),
        ([{1: "YES"}], [1], 20, "answers item 1 with 'YES'"),
        ([{1: None}], [1], 20, "answers item 1 with None"),
        ([{1: "yes", 4: "yes"}], [1, 2, 3], 20, "answers item 4, which the motion does not have"),
        ([{"1": "yes"}], [1], 20, "answers item '1', which the motion does not have"),
        ([], [], 20, "a motion has at least one item"),
        ([], [1, 2, 1], 20, r"item numbers repeat: \[1, 2, 1\]"),
        ([{1: "yes"}] * 31, [1], 30, "31 ballots for 30 delegates"),
        ([], [1], 31, "between 0 and the 30 delegates, not 31"),
    ],
)
def test_tally_refuses_what_cannot_be_counted(ballots, item_numbers, present, words):
    with pytest.raises(ValueError, match=words):
        tally(ballots, item_numbers, 30, present, NATIONAL)


ITEMS = [1, 2, 3, 4]
BALLOT = st.dictionaries(st.sampled_from(ITEMS), st.sampled_from(ANSWERS))


@settings(max_examples=100)
@given(data=st.data(), total=st.integers(1, 40))
def test_random_ballots_are_counted_and_judged_against_all_delegates(data, total):
    ballots = data.draw(st.lists(BALLOT, max_size=total))
    outcome = tally(ballots, ITEMS, total, total, NATIONAL)
    for item in outcome.items:
        assert item.yes + item.no + item.abstain + item.blank == len(ballots)
        assert item.yes == sum(1 for b in ballots if b.get(item.number) == "yes")
        assert item.passed == (2 * item.yes > total)
    assert outcome.failed_items == [i.number for i in outcome.items if not i.passed]


def test_every_answer_has_a_label():
    assert set(ANSWER_LABELS) == set(ANSWERS) == {"yes", "no", "abstain"}


# The seal

BALLOTS = [ballot_line("k3J9", {1: "yes", 2: "no"}), ballot_line("a7Qx", {1: "abstain", 2: "yes"})]
PARTICIPATIONS = [participation_line(12), participation_line(7)]


def test_ballot_line_lists_the_answers_in_item_order():
    assert ballot_line("k3J9", {2: "no", 10: "abstain", 1: "yes"}) == "k3J9|1:yes,2:no,10:abstain"


def test_participation_line_is_the_delegate_id():
    assert participation_line(42) == "42"


@pytest.mark.parametrize(
    ("ballot_id", "answers", "words"),
    [
        ("", {1: "yes"}, "a ballot id is non-empty"),
        ("a|b", {1: "yes"}, "a ballot id is non-empty without '|'"),
        ("a\nb", {1: "yes"}, "a line break"),
        ("k3J9", {1: "maybe"}, "ballot k3J9 answers item 1 with 'maybe'"),
    ],
)
def test_ballot_line_refuses_what_would_not_read_back(ballot_id, answers, words):
    with pytest.raises(ValueError, match=words):
        ballot_line(ballot_id, answers)


def test_seal_is_a_sha256_hex_digest():
    digest = seal(BALLOTS, PARTICIPATIONS)
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_seal_does_not_depend_on_the_order_rows_were_read():
    assert seal(BALLOTS, PARTICIPATIONS) == seal(BALLOTS[::-1], PARTICIPATIONS[::-1])


@pytest.mark.parametrize(
    ("ballots", "participations"),
    [
        pytest.param(
            [ballot_line("k3J9", {1: "yes", 2: "yes"}), BALLOTS[1]],
            PARTICIPATIONS,
            id="answer-changed",
        ),
        pytest.param(
            [ballot_line("k3J9", {1: "yes"}), BALLOTS[1]], PARTICIPATIONS, id="answer-removed"
        ),
        pytest.param(BALLOTS[:1], PARTICIPATIONS, id="ballot-removed"),
        pytest.param(BALLOTS + [BALLOTS[0]], PARTICIPATIONS, id="ballot-doubled"),
        pytest.param(BALLOTS, [participation_line(12), participation_line(8)], id="voter-changed"),
        pytest.param(BALLOTS, PARTICIPATIONS[:1], id="participation-removed"),
        pytest.param(BALLOTS + PARTICIPATIONS[:1], PARTICIPATIONS[1:], id="line-moved"),
    ],
)
def test_seal_changes_when_a_ballot_or_participation_changes(ballots, participations):
    assert seal(ballots, participations) != seal(BALLOTS, PARTICIPATIONS)


def test_seal_refuses_a_line_with_a_line_break():
    with pytest.raises(ValueError, match="a canonical line has no line break"):
        seal(["k3J9|1:yes\nforged|1:yes"], PARTICIPATIONS)


# The roster (职工代表名单)


@pytest.mark.parametrize(
    ("total", "managers", "warnings"),
    [
        pytest.param(30, 6, [], id="6-of-30-is-20-percent"),
        pytest.param(
            30,
            7,
            ["7 of the 30 delegates are managers; generally at most 20 % (6) should be"],
            id="7-of-30",
        ),
        pytest.param(
            31, 7, ["7 of the 31 delegates are managers; generally at most 20 % (6) should be"]
        ),
        pytest.param(35, 7, [], id="7-of-35"),
        pytest.param(
            29, 0, ["the congress has 29 delegates; at least 30 are needed"], id="too-small"
        ),
        pytest.param(
            10,
            3,
            [
                "3 of the 10 delegates are managers; generally at most 20 % (2) should be",
                "the congress has 10 delegates; at least 30 are needed",
            ],
            id="both",
        ),
    ],
)
def test_roster_warnings(total, managers, warnings):
    assert [str(w) for w in roster_warnings(total, managers, NATIONAL)] == warnings


def test_roster_minimum_follows_the_region():
    assert roster_warnings(20, 0, RuleProfile(min_delegates=20)) == []


def test_roster_with_more_managers_than_delegates_is_a_programming_error():
    with pytest.raises(ValueError, match="between 0 and the 30 delegates, not 31"):
        roster_warnings(30, 31, NATIONAL)


# A random walk through a session and its motions

PROFILES = [NATIONAL, RuleProfile(quorum_numerator=3, quorum_denominator=4)]


@st.composite
def open_voting_kwargs(draw) -> dict:
    """Random guard data, valid or not: the roster's size, who is present, the rules, the items."""
    total = draw(st.integers(0, 31))
    return {
        "total": total,
        "present": draw(st.integers(0, total)),
        "profile": draw(st.sampled_from(PROFILES)),
        "items": draw(st.integers(0, 3)),
    }


def _trigger(data, machine, state: str, all_triggers: list[str], cancel: str) -> str:
    # Half the time a trigger valid now, so that walks get past the first states; cancelling is
    # left to the other half, or most walks would end early.
    valid_now = [t for t in machine.get_triggers(state) if t != cancel] or all_triggers
    return data.draw(st.sampled_from(valid_now) | st.sampled_from(all_triggers))


class RandomCongress(RuleBasedStateMachine):
    """A session with three motions; random triggers with random arguments.

    The application passes the true session state and the true counts of open and draft
    motions; the delegates present, the roster size and the items are random.
    """

    def __init__(self):
        super().__init__()
        self._new_session()

    def _new_session(self):
        self.session = Thing("scheduled")
        self.motions = [Thing("draft") for _ in range(3)]
        self.opened_with: list[dict | None] = [None] * 3

    def _open_motions(self) -> int:
        return sum(motion.state == "open" for motion in self.motions)

    def _draft_motions(self) -> int:
        return sum(motion.state == "draft" for motion in self.motions)

    @rule(data=st.data())
    def fire_a_session_trigger(self, data):
        before = self.session.state
        trigger = _trigger(data, session_machine, before, SESSION_TRIGGERS, "cancel_session")
        try:
            fire(
                self.session,
                trigger,
                open_motions=self._open_motions(),
                draft_motions=self._draft_motions(),
            )
        except TransitionNotAllowed:
            assert self.session.state == before
        else:
            assert trigger in session_machine.get_triggers(before)

    @rule(data=st.data(), index=st.integers(0, 2), kwargs=open_voting_kwargs())
    def fire_a_motion_trigger(self, data, index, kwargs):
        motion = self.motions[index]
        before = motion.state
        trigger = _trigger(data, motion_machine, before, MOTION_TRIGGERS, "cancel_motion")
        try:
            fire(motion, trigger, session_state=self.session.state, **kwargs)
        except TransitionNotAllowed:
            assert motion.state == before
        else:
            assert trigger in motion_machine.get_triggers(before)
            if trigger == "open_voting":
                self.opened_with[index] = {**kwargs, "session_state": self.session.state}

    @precondition(lambda self: self.session.state in SESSION_TERMINAL)
    @rule()
    def schedule_a_new_session(self):
        self._new_session()

    @invariant()
    def states_are_known(self):
        assert self.session.state in SESSION_STATES
        assert all(motion.state in MOTION_STATES for motion in self.motions)

    @invariant()
    def an_open_motion_has_its_session_sitting(self):
        if self._open_motions():
            assert self.session.state == "in_session"

    @invariant()
    def a_cancelled_session_leaves_no_motion_to_vote_on(self):
        if self.session.state == "cancelled":
            assert self._draft_motions() == 0 and self._open_motions() == 0

    @invariant()
    def a_motion_opened_only_in_session_with_quorum_and_items(self):
        for motion, kwargs in zip(self.motions, self.opened_with, strict=True):
            if motion.state in ("open", "closed"):
                assert kwargs["session_state"] == "in_session"
                assert kwargs["items"] >= 1
                profile = kwargs["profile"]
                assert kwargs["total"] >= 1
                assert (
                    profile.quorum_denominator * kwargs["present"]
                    >= profile.quorum_numerator * kwargs["total"]
                )

    @invariant()
    def finished_things_offer_no_action(self):
        if self.session.state in SESSION_TERMINAL:
            assert allowed_session_triggers(self.session.state, ALL_ROLES) == []
        for motion in self.motions:
            if motion.state in MOTION_TERMINAL:
                assert allowed_motion_triggers(motion.state, ALL_ROLES) == []


RandomCongress.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow]
)
test_random_congress_keeps_its_invariants = RandomCongress.TestCase
