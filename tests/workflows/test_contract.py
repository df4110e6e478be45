"""The wage special collective contract (工资专项集体合同): transitions, guards in words, roles,
the term and its deadlines, a random walk.

Expected dates are worked out by hand from the State Council schedules (国务院办公厅通知) as
chinese_calendar has them:
- Spring Festival 2026: Feb 15 (Sun) to Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 are working
  days.
- Mid-Autumn 2026: Sep 25 (Fri) to Sep 27 (Sun) off.
- National Day 2026: Oct 1 (Thu) to Oct 7 (Wed) off; Sun Sep 20 and Sat Oct 10 are working days.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from workflows import calendar
from workflows.calendar import YearSchedule
from workflows.contract import (
    ACTION_LABELS,
    IN_FORCE,
    STATE_LABELS,
    STATES,
    STEPS,
    TERMINAL,
    TRANSITIONS,
    WORKFLOW,
    fire,
    machine,
)
from workflows.diagram import mermaid
from workflows.errors import TransitionNotAllowed
from workflows.rules import (
    SIDES,
    WORKING_DAYS,
    RuleProfile,
    Term,
    deemed_effective_on,
    filing_deadline,
    publication_deadline,
    review_deadline,
    term,
)

ROLES_FOR = {trigger: WORKFLOW.roles_for_action[trigger] for trigger in WORKFLOW.triggers}
allowed_triggers = WORKFLOW.allowed_triggers
roles_for = WORKFLOW.roles_for

D = date
NATIONAL = RuleProfile()
BY_WORKING_DAYS = RuleProfile(day_counting=WORKING_DAYS)
ALL_ROLES = {"union_chief", "employer_chief", "employer", "union", "officer", "system"}
TRIGGERS = list(machine.events)
TODAY = D(2026, 10, 9)


class Contract:
    """A stand-in for the application's model: the machine needs only a `state` attribute."""

    def __init__(self, state: str = "drafted"):
        self.state = state


# Keyword arguments that satisfy each trigger's guards.
VALID = {
    "sign": {"signed_sides": ["union"]},  # from `signing` it needs both; see _valid below
    "void": {"reason": "职工代表大会未通过第三条"},
    "approve": {"today": D(2026, 10, 8), "review_due": D(2026, 10, 8)},
    "object": {
        "opinion": "第三条技能津贴低于当地最低工资标准",
        "today": D(2026, 10, 8),
        "review_due": D(2026, 10, 8),
    },
    "deem_approved": {"today": TODAY, "review_due": D(2026, 10, 8)},
    "publish": {"published_sides": list(SIDES)},
    "expire": {"today": D(2028, 3, 1), "ends_on": D(2028, 2, 29)},
}


def _valid(trigger: str, state: str) -> dict:
    if (trigger, state) == ("sign", "signing"):
        return {"signed_sides": list(SIDES)}
    return VALID.get(trigger, {})


def _sources(row: dict) -> list[str]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


# Every (trigger, source, dest) of the machine, from its own table.
MOVES = [(row["trigger"], source, row["dest"]) for row in TRANSITIONS for source in _sources(row)]


# Transitions


# Every transition: (trigger, source, dest).
TRANSITION_TABLE = [
    ("sign", "drafted", "signing"),
    ("sign", "signing", "signed"),
    ("void", "drafted", "void"),
    ("void", "signing", "void"),
    ("file", "signed", "filed"),
    ("approve", "filed", "effective"),
    ("object", "filed", "returned"),
    ("deem_approved", "filed", "effective"),
    ("publish", "effective", "published"),
    ("expire", "effective", "expired"),
    ("expire", "published", "expired"),
]


@pytest.mark.parametrize(("trigger", "source", "dest"), TRANSITION_TABLE)
def test_trigger_moves_from_its_source_to_its_dest(trigger, source, dest):
    contract = Contract(source)
    fire(contract, trigger, **_valid(trigger, source))
    assert contract.state == dest


def test_the_machine_has_no_transition_besides_these():
    assert sorted(MOVES) == sorted(TRANSITION_TABLE)


def test_the_machine_keeps_no_model_of_its_own():
    fire(Contract("signed"), "file")
    assert machine.models == []


@pytest.mark.parametrize(
    ("trigger", "state"),
    [
        (trigger, state)
        for trigger in TRIGGERS
        for state in STATES
        if trigger not in machine.get_triggers(state)
    ],
)
def test_trigger_from_any_other_state_is_refused_naming_action_and_state(trigger, state):
    contract = Contract(state)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(contract, trigger, **_valid(trigger, state))
    action, label = ACTION_LABELS[trigger], STATE_LABELS[state]
    assert str(raised.value) == f"cannot {action} while the contract is {label}"
    assert raised.value.message.params == {"action": action, "state": label}
    assert contract.state == state


@pytest.mark.parametrize(
    ("trigger", "state", "words"),
    [
        (
            "file",
            "drafted",
            "cannot file the contract with the labour administration while the contract is "
            "awaiting signatures",
        ),
        ("approve", "signed", "cannot approve the contract while the contract is signed"),
        (
            "publish",
            "filed",
            "cannot record the publication while the contract is filed for review",
        ),
        (
            "void",
            "signed",
            "cannot refuse to sign and reopen the talks while the contract is signed",
        ),
        (
            "expire",
            "filed",
            "cannot end the contract's term while the contract is filed for review",
        ),
        (
            "sign",
            "returned",
            "cannot sign the contract while the contract is returned with an objection",
        ),
    ],
)
def test_refusal_reads_as_a_sentence(trigger, state, words):
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(Contract(state), trigger, **_valid(trigger, state))
    assert str(raised.value) == words


def test_every_state_and_action_has_a_label():
    assert set(STATE_LABELS) == set(STATES)
    assert set(ACTION_LABELS) == set(TRIGGERS)


def test_steps_are_the_main_line_in_order():
    contract = Contract()
    for trigger, dest in zip(
        ["sign", "sign", "file", "approve", "publish", "expire"], STEPS[1:], strict=True
    ):
        fire(contract, trigger, **_valid(trigger, contract.state))
        assert contract.state == dest


def test_diagram_shows_every_transition_of_the_contract():
    assert mermaid(machine) == (
        "stateDiagram-v2\n"
        "    [*] --> drafted\n"
        "    drafted --> signing: sign\n"
        "    drafted --> void: void\n"
        "    signing --> signed: sign\n"
        "    signing --> void: void\n"
        "    signed --> filed: file\n"
        "    filed --> effective: approve\n"
        "    filed --> returned: object\n"
        "    filed --> effective: deem_approved\n"
        "    effective --> published: publish\n"
        "    effective --> expired: expire\n"
        "    published --> expired: expire\n"
        "    expired --> [*]\n"
        "    returned --> [*]\n"
        "    void --> [*]"
    )


# Guards at their edges


@pytest.mark.parametrize("side", SIDES)
def test_either_chief_may_sign_first(side):
    contract = Contract("drafted")
    fire(contract, "sign", signed_sides=[side])
    assert contract.state == "signing"


def test_the_same_side_recorded_twice_is_still_one_side():
    contract = Contract("drafted")
    fire(contract, "sign", signed_sides=["union", "union"])
    assert contract.state == "signing"


@pytest.mark.parametrize(
    ("trigger", "source", "kwargs", "reason"),
    [
        ("sign", "drafted", {"signed_sides": []}, "the first signature is one side's"),
        ("sign", "drafted", {"signed_sides": list(SIDES)}, "the first signature is one side's"),
        ("sign", "signing", {"signed_sides": ["union"]}, "the employer side has not signed yet"),
        ("sign", "signing", {"signed_sides": ["employer"]}, "the union side has not signed yet"),
        ("sign", "signing", {"signed_sides": []}, "the union side has not signed yet"),
        ("void", "drafted", {"reason": ""}, "give the reason in writing"),
        ("void", "signing", {"reason": "   "}, "give the reason in writing"),
        ("void", "signing", {"reason": "\t\n　"}, "give the reason in writing"),  # full-width space
        ("void", "drafted", {"reason": None}, "give the reason in writing"),  # a form left empty
        ("object", "filed", {"opinion": ""}, "an objection needs the written review opinion"),
        ("object", "filed", {"opinion": "  "}, "an objection needs the written review opinion"),
        ("object", "filed", {"opinion": None}, "an objection needs the written review opinion"),
        (
            "approve",
            "filed",
            {"today": D(2026, 10, 9), "review_due": D(2026, 10, 8)},
            "the review period ended on 2026-10-08: the contract is deemed approved",
        ),
        (
            "object",
            "filed",
            {"opinion": "第三条违反最低工资规定", "today": TODAY, "review_due": D(2026, 10, 8)},
            "the review period ended on 2026-10-08: the contract is deemed approved",
        ),
        (
            "deem_approved",
            "filed",
            {"today": D(2026, 10, 8), "review_due": D(2026, 10, 8)},
            "the review period runs until 2026-10-08",
        ),
        (
            "deem_approved",
            "filed",
            {"today": D(2026, 9, 17), "review_due": D(2026, 10, 8)},
            "the review period runs until 2026-10-08",
        ),
        (
            "publish",
            "effective",
            {"published_sides": ["union"]},
            "the employer side has not recorded publishing it yet",
        ),
        (
            "publish",
            "effective",
            {"published_sides": ["employer"]},
            "the union side has not recorded publishing it yet",
        ),
        (
            "publish",
            "effective",
            {"published_sides": []},
            "the union side has not recorded publishing it yet",
        ),
        (
            "expire",
            "effective",
            {"today": D(2028, 2, 29), "ends_on": D(2028, 2, 29)},
            "the term runs until 2028-02-29",
        ),
        (
            "expire",
            "published",
            {"today": D(2028, 2, 29), "ends_on": D(2028, 2, 29)},
            "the term runs until 2028-02-29",
        ),
    ],
)
def test_failed_guard_says_why_and_keeps_the_state(trigger, source, kwargs, reason):
    contract = Contract(source)
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(contract, trigger, **kwargs)
    assert str(raised.value) == reason
    assert contract.state == source


@pytest.mark.parametrize(
    ("state", "trigger", "kwargs", "template", "side"),
    [
        (
            "signing",
            "sign",
            {"signed_sides": ["employer"]},
            "the %(side)s side has not signed yet",
            "union",
        ),
        (
            "effective",
            "publish",
            {"published_sides": ["union"]},
            "the %(side)s side has not recorded publishing it yet",
            "employer",
        ),
    ],
)
def test_missing_side_is_a_parameter_so_it_can_be_translated(
    state, trigger, kwargs, template, side
):
    with pytest.raises(TransitionNotAllowed) as raised:
        fire(Contract(state), trigger, **kwargs)
    assert raised.value.message.template == template
    assert raised.value.message.params == {"side": side}


def test_deemed_approved_the_day_after_the_review_period():
    contract = Contract("filed")
    fire(contract, "deem_approved", today=D(2026, 10, 9), review_due=D(2026, 10, 8))
    assert contract.state == "effective"


@pytest.mark.parametrize("source", ["effective", "published"])
def test_expires_the_day_after_the_last_day_of_the_term(source):
    contract = Contract(source)
    fire(contract, "expire", today=D(2028, 3, 1), ends_on=D(2028, 2, 29))
    assert contract.state == "expired"


@pytest.mark.parametrize(
    ("trigger", "source", "kwargs", "missing"),
    [
        ("sign", "drafted", {}, "signed_sides"),
        ("sign", "signing", {}, "signed_sides"),
        ("void", "drafted", {}, "reason"),
        ("object", "filed", {}, "opinion"),
        ("approve", "filed", {"review_due": D(2026, 10, 8)}, "today"),
        ("object", "filed", {"opinion": "第三条违反最低工资规定", "today": TODAY}, "review_due"),
        ("deem_approved", "filed", {"review_due": D(2026, 10, 8)}, "today"),
        ("deem_approved", "filed", {"today": TODAY}, "review_due"),
        ("publish", "effective", {}, "published_sides"),
        ("expire", "published", {"today": TODAY}, "ends_on"),
    ],
)
def test_guard_without_its_keyword_argument_is_a_programming_error(
    trigger, source, kwargs, missing
):
    contract = Contract(source)
    with pytest.raises(TypeError, match=f"{trigger} needs the keyword argument '{missing}'"):
        fire(contract, trigger, **kwargs)
    assert contract.state == source


def test_missing_argument_matters_only_where_the_trigger_is_valid():
    # The state is checked before any guard runs: a wrong state is a refusal, not a TypeError.
    with pytest.raises(TransitionNotAllowed):
        fire(Contract("expired"), "void")


def test_unknown_trigger_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown contract trigger: 'ratify'"):
        fire(Contract("signed"), "ratify")


# Roles


@pytest.mark.parametrize(
    ("trigger", "state", "roles"),
    [
        ("sign", "drafted", {"union_chief", "employer_chief"}),
        ("sign", "signing", {"union_chief", "employer_chief"}),
        ("void", "drafted", {"union_chief", "employer_chief"}),
        ("void", "signing", {"union_chief", "employer_chief"}),
        ("file", "signed", {"employer"}),
        ("approve", "filed", {"officer"}),
        ("object", "filed", {"officer"}),
        ("deem_approved", "filed", {"system"}),
        ("publish", "effective", {"union", "employer"}),
        ("expire", "effective", {"system"}),
        ("expire", "published", {"system"}),
        # not valid there: nobody
        ("sign", "signed", set()),
        ("file", "filed", set()),
        ("publish", "published", set()),
        ("expire", "expired", set()),
        ("void", "void", set()),
    ],
)
def test_roles_for_trigger_and_state(trigger, state, roles):
    assert roles_for(trigger, state) == roles


def test_roles_for_every_trigger_anywhere():
    assert {
        "sign": {"union_chief", "employer_chief"},
        "void": {"union_chief", "employer_chief"},
        "file": {"employer"},
        "approve": {"officer"},
        "object": {"officer"},
        "deem_approved": {"system"},
        "publish": {"union", "employer"},
        "expire": {"system"},
    } == ROLES_FOR


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        ("drafted", {"union_chief"}, ["sign", "void"]),
        ("drafted", {"employer_chief"}, ["sign", "void"]),
        ("drafted", {"union", "employer", "officer", "system"}, []),
        ("signing", {"employer_chief", "employer"}, ["sign", "void"]),
        ("signing", {"union"}, []),
        ("signed", {"employer"}, ["file"]),
        ("signed", {"employer_chief", "union_chief", "union"}, []),
        ("filed", {"officer"}, ["approve", "object"]),
        ("filed", {"system"}, ["deem_approved"]),
        ("filed", {"officer", "system"}, ["approve", "object", "deem_approved"]),
        ("filed", {"employer", "union"}, []),
        ("effective", {"union"}, ["publish"]),
        ("effective", {"employer"}, ["publish"]),
        ("effective", {"system"}, ["expire"]),
        ("effective", {"officer", "union_chief", "employer_chief"}, []),
        ("published", {"union", "employer"}, []),
        ("published", {"system"}, ["expire"]),
        ("expired", ALL_ROLES, []),
        ("returned", ALL_ROLES, []),
        ("void", ALL_ROLES, []),
        ("drafted", set(), []),
    ],
)
def test_allowed_triggers_for_state_and_roles(state, roles, expected):
    assert allowed_triggers(state, roles) == expected


# The term (期限) and the deadlines


@pytest.mark.parametrize(
    ("effective_on", "years", "ends_on", "renewal_opens_on"),
    [
        (D(2026, 3, 1), 2, D(2028, 2, 29), D(2027, 11, 29)),  # ends on a leap day
        (D(2026, 3, 1), 1, D(2027, 2, 28), D(2026, 11, 28)),
        (D(2026, 1, 31), 1, D(2027, 1, 30), D(2026, 10, 30)),
        (D(2026, 1, 1), 3, D(2028, 12, 31), D(2028, 9, 30)),  # Sep has no 31st (Art 202)
        (D(2026, 6, 1), 1, D(2027, 5, 31), D(2027, 2, 28)),  # Feb has no 31st
        (D(2031, 7, 1), 1, D(2032, 6, 30), D(2032, 3, 30)),  # no holiday calendar needed
        # From a leap day the anniversary in a common year is Mar 1: the term ends on Feb 28.
        (D(2024, 2, 29), 1, D(2025, 2, 28), D(2024, 11, 28)),
        (D(2028, 2, 29), 3, D(2031, 2, 28), D(2030, 11, 28)),
        (D(2028, 2, 29), 2, D(2030, 2, 28), D(2029, 11, 28)),
    ],
)
def test_term_ends_the_day_before_the_anniversary(effective_on, years, ends_on, renewal_opens_on):
    assert term(effective_on, years, NATIONAL) == Term(effective_on, ends_on, renewal_opens_on)


def test_renewal_window_follows_the_region():
    assert term(D(2026, 3, 1), 2, RuleProfile(renewal_window_months=1)).renewal_opens_on == D(
        2028, 1, 29
    )


@pytest.mark.parametrize("years", [0, 4, -1])
def test_term_is_one_to_three_years(years):
    with pytest.raises(ValueError, match=f"a contract's term is 1 to 3 years, not {years}"):
        term(D(2026, 3, 1), years, NATIONAL)


@pytest.mark.parametrize(
    ("filed_on", "review_due"),
    [
        (D(2026, 9, 17), D(2026, 10, 8)),  # day 15 is Oct 2, inside National Day
        (D(2026, 9, 22), D(2026, 10, 8)),  # day 15 is Oct 7, the holiday's last day
        (D(2026, 9, 10), D(2026, 9, 28)),  # day 15 is Fri Sep 25, Mid-Autumn
        (D(2026, 9, 25), D(2026, 10, 10)),  # day 15 is Sat Oct 10, an adjusted working day
        (D(2026, 9, 26), D(2026, 10, 12)),  # day 15 is Sun Oct 11
        (D(2026, 6, 1), D(2026, 6, 16)),  # an ordinary Tuesday
    ],
)
def test_review_deadline_moves_past_a_holiday(filed_on, review_due):
    assert review_deadline(filed_on, NATIONAL).on == review_due
    assert chinese_calendar.is_workday(review_due)


def test_review_over_national_day_and_its_deemed_effect():
    review_due = review_deadline(D(2026, 9, 17), NATIONAL).on
    assert chinese_calendar.is_holiday(D(2026, 10, 2))
    assert review_due == D(2026, 10, 8)  # the first working day after Oct 1-7
    assert deemed_effective_on(review_due) == D(2026, 10, 9)
    contract = Contract("filed")
    with pytest.raises(TransitionNotAllowed, match="the review period runs until 2026-10-08"):
        fire(contract, "deem_approved", today=review_due, review_due=review_due)
    fire(contract, "deem_approved", today=deemed_effective_on(review_due), review_due=review_due)
    assert contract.state == "effective"


def test_deemed_effective_on_is_the_next_day_even_a_holiday():
    assert deemed_effective_on(D(2026, 9, 30)) == D(2026, 10, 1)


@pytest.mark.parametrize(
    ("signed_on", "filing_due"),
    [
        (D(2026, 2, 9), D(2026, 2, 24)),  # day 7 is Feb 16, inside Spring Festival
        (D(2026, 2, 16), D(2026, 2, 24)),  # day 7 is Mon Feb 23, the holiday's last day
        (D(2026, 2, 7), D(2026, 2, 14)),  # day 7 is Sat Feb 14, an adjusted working day
        (D(2026, 2, 21), D(2026, 2, 28)),  # day 7 is Sat Feb 28, an adjusted working day
        (D(2026, 2, 22), D(2026, 3, 2)),  # day 7 is Sun Mar 1
        (D(2026, 2, 2), D(2026, 2, 9)),  # an ordinary Monday
    ],
)
def test_filing_deadline_moves_past_spring_festival(signed_on, filing_due):
    assert filing_deadline(signed_on, NATIONAL).on == filing_due


def test_filing_deadline_follows_the_region():
    # 集体合同规定 Art 42 allows 10 days: Feb 5 + 10 is Sun Feb 15, the festival's first day.
    assert filing_deadline(D(2026, 2, 5), RuleProfile(filing_days=10)).on == D(2026, 2, 24)


@pytest.mark.parametrize(
    ("effective_on", "profile", "publication_due"),
    [
        (D(2026, 9, 29), NATIONAL, D(2026, 10, 8)),  # day 5 is Oct 4
        # Sep 30, Oct 8, Oct 9, Sat Oct 10 (adjusted), Mon Oct 12
        (D(2026, 9, 29), BY_WORKING_DAYS, D(2026, 10, 12)),
        # Sat Feb 14 (adjusted), Feb 24, 25, 26, 27
        (D(2026, 2, 13), BY_WORKING_DAYS, D(2026, 2, 27)),
        (D(2026, 2, 13), NATIONAL, D(2026, 2, 24)),  # day 5 is Feb 18
        # Mon Jun 1 to Fri Jun 5 2026: the weekend is skipped
        (D(2026, 5, 29), BY_WORKING_DAYS, D(2026, 6, 5)),
        (D(2026, 5, 29), NATIONAL, D(2026, 6, 3)),
    ],
)
def test_publication_deadline_in_either_counting(effective_on, profile, publication_due):
    assert publication_deadline(effective_on, profile).on == publication_due


@pytest.mark.parametrize(
    "helper", [filing_deadline, review_deadline, publication_deadline], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("profile", [NATIONAL, BY_WORKING_DAYS], ids=["calendar", "working"])
def test_a_deadline_in_a_year_without_an_official_schedule_is_provisional(helper, profile):
    due = helper(D(2031, 3, 3), profile)
    assert due.provisional and due.provisional_year == 2031
    assert calendar.is_working_day(due.on)


def test_a_deadline_that_runs_into_a_provisional_year_says_so():
    last = calendar.covered_years()[-1]
    due = review_deadline(D(last, 12, 25), NATIONAL)
    assert due.on.year == last + 1 and due.provisional_year == last + 1


@pytest.fixture
def next_year_published():
    """The year after the package's, published from a made-up notice: New Year's Day to Jan 3."""
    year = calendar.covered_years()[-1] + 1
    calendar.publish(
        [
            YearSchedule(
                year,
                holidays=frozenset(D(year, 1, d) for d in (1, 2, 3)),
                workdays=frozenset(),
            )
        ]
    )
    try:
        yield year
    finally:
        calendar.publish([])


def test_deadline_in_a_published_year_is_counted(next_year_published):
    year = next_year_published
    # Dec 25 + 7 is Jan 1, a holiday of the published year, as are Jan 2 and 3.
    expected = D(year, 1, 4)
    while expected.weekday() >= 5:
        expected += timedelta(days=1)
    assert filing_deadline(D(year - 1, 12, 25), NATIONAL).on == expected


# A random walk through a contract's life

# Random keyword arguments, valid or not, for every guard at once (a trigger ignores the others).
# A narrow window of dates, so that "today" often falls on the last day of a period.
DATES = st.dates(D(2026, 10, 6), D(2026, 10, 10))
SIDE_LISTS = st.lists(st.sampled_from(SIDES), max_size=3)
GUARD_KWARGS = st.fixed_dictionaries(
    {
        "signed_sides": SIDE_LISTS,
        "reason": st.sampled_from([None, "", "  ", "\n", "首席代表拒绝签字：第三条有争议"]),
        "opinion": st.sampled_from([None, "", " ", "第三条违反最低工资规定"]),
        "today": DATES,
        "review_due": DATES,
        "published_sides": SIDE_LISTS,
        "ends_on": DATES,
    }
)
# Start dates whose deadlines stay in the years chinese_calendar knows.
STARTS = st.dates(D(2025, 1, 1), D(2026, 11, 30))


class RandomContract(RuleBasedStateMachine):
    """Fires random triggers with random arguments and checks what must always hold."""

    def __init__(self):
        super().__init__()
        self._new_contract()

    def _new_contract(self):
        self.contract = Contract()
        # (trigger, kwargs) of every transition that happened, in order.
        self.history: list[tuple[str, dict]] = []

    @rule(data=st.data(), kwargs=GUARD_KWARGS)
    def fire_a_trigger(self, data, kwargs):
        before = self.contract.state
        # Half the time a trigger valid now, so that the walk gets past the first states; voiding
        # is left to the other half, or most walks would end early.
        valid_now = [t for t in machine.get_triggers(before) if t != "void"] or TRIGGERS
        trigger = data.draw(st.sampled_from(valid_now) | st.sampled_from(TRIGGERS))
        try:
            fire(self.contract, trigger, **kwargs)
        except TransitionNotAllowed:
            assert self.contract.state == before
        else:
            assert before not in TERMINAL
            assert (trigger, before, self.contract.state) in MOVES
            self.history.append((trigger, kwargs))

    @precondition(lambda self: self.contract.state in TERMINAL)
    @rule()
    def draft_a_new_contract(self):
        self._new_contract()

    @rule(start=STARTS, profile=st.sampled_from([NATIONAL, BY_WORKING_DAYS]))
    def compute_deadlines(self, start, profile):
        for due in (
            filing_deadline(start, profile).on,
            review_deadline(start, profile).on,
            publication_deadline(start, profile).on,
        ):
            assert due > start
            assert chinese_calendar.is_workday(due)
            assert not chinese_calendar.is_holiday(due)

    @invariant()
    def state_is_known(self):
        assert self.contract.state in STATES

    @invariant()
    def history_replays_to_the_state(self):
        replayed = Contract()
        for trigger, kwargs in self.history:
            fire(replayed, trigger, **kwargs)
        assert replayed.state == self.contract.state

    @invariant()
    def in_force_only_after_filing_and_approval(self):
        if self.contract.state in IN_FORCE:
            triggers = [trigger for trigger, _ in self.history]
            assert triggers[:3] == ["sign", "sign", "file"]
            review, kwargs = self.history[3]
            assert review in ("approve", "deem_approved")
            if review == "deem_approved":
                assert kwargs["today"] > kwargs["review_due"]
            else:
                assert kwargs["today"] <= kwargs["review_due"]

    @invariant()
    def signed_only_when_both_sides_signed(self):
        if self.contract.state not in ("drafted", "signing", "void"):
            (first, first_kwargs), (second, second_kwargs) = self.history[:2]
            assert (first, second) == ("sign", "sign")
            assert len(set(first_kwargs["signed_sides"])) == 1
            assert set(second_kwargs["signed_sides"]) >= set(SIDES)

    @invariant()
    def published_only_when_both_sides_published(self):
        published = [kwargs for trigger, kwargs in self.history if trigger == "publish"]
        if self.contract.state == "published":
            assert len(published) == 1
        for kwargs in published:
            assert set(kwargs["published_sides"]) >= set(SIDES)

    @invariant()
    def expired_only_after_the_term(self):
        if self.contract.state == "expired":
            trigger, kwargs = self.history[-1]
            assert trigger == "expire"
            assert kwargs["today"] > kwargs["ends_on"]

    @invariant()
    def void_and_returned_carry_their_words(self):
        if self.contract.state == "void":
            trigger, kwargs = self.history[-1]
            assert trigger == "void" and (kwargs["reason"] or "").strip()
        if self.contract.state == "returned":
            trigger, kwargs = self.history[-1]
            assert trigger == "object" and (kwargs["opinion"] or "").strip()

    @invariant()
    def finished_contract_offers_no_action(self):
        if self.contract.state in TERMINAL:
            assert allowed_triggers(self.contract.state, ALL_ROLES) == []


RandomContract.TestCase.settings = settings(
    max_examples=100, stateful_step_count=50, suppress_health_check=[HealthCheck.too_slow]
)
test_random_contract_keeps_its_invariants = RandomContract.TestCase
