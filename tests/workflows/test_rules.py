"""The legal rules: representatives (集体合同规定 Art 19-24, 33), deadlines and the lists of those
running, the term, congress arithmetic.

Deadlines are worked out by hand from the State Council's 2026 schedule (国务院办公厅通知), as
chinese_calendar also has it:
- Mid-Autumn 2026: Fri Sep 25 to Sun Sep 27 off.
- National Day 2026: Thu Oct 1 to Wed Oct 7 off; Sun Sep 20 and Sat Oct 10 are working days.
"""

from dataclasses import replace
from datetime import date

import pytest

from workflows.contract import State as ContractState
from workflows.messages import Message
from workflows.negotiation import State as NegotiationState
from workflows.rules import (
    TERM_YEARS,
    WORKING_DAYS,
    Deadline,
    DueDay,
    Representative,
    RuleProfile,
    Vacancy,
    contract_deadlines,
    dispute_deadline,
    item_passes,
    negotiation_deadlines,
    quorum_needed,
    quorum_reached,
    refill_deadline,
    representative_problems,
    response_deadline,
    term_problem,
    votes_needed,
)

NATIONAL = RuleProfile()
RECORDER = 99

CHAIR = Representative(1, "王芳", "union", is_chief=True, is_union_chair=True)
UNION = [CHAIR, Representative(2, "李强", "union"), Representative(3, "张伟", "union")]
LEGAL_REP = Representative(11, "赵敏", "employer", is_chief=True, is_legal_representative=True)
EMPLOYER = [
    LEGAL_REP,
    Representative(12, "陈静", "employer"),
    Representative(13, "刘洋", "employer"),
]


def more(side: str, first_id: int, count: int, **flags) -> list[Representative]:
    return [
        Representative(first_id + i, f"代表{first_id + i}", side, **flags) for i in range(count)
    ]


@pytest.mark.parametrize(
    ("reps", "recorder_id", "expected"),
    [
        pytest.param(UNION + EMPLOYER, RECORDER, [], id="valid-3+3"),
        pytest.param(
            UNION[:2] + EMPLOYER[:2],
            RECORDER,
            [
                "the union side has 2 representatives; at least 3 are needed",
                "the employer side has 2 representatives; at least 3 are needed",
            ],
            id="2+2",
        ),
        pytest.param(
            UNION + EMPLOYER + more("employer", 14, 1),
            RECORDER,
            ["the sides must have equal numbers of representatives: union 3, employer 4"],
            id="3+4",
        ),
        pytest.param(
            [CHAIR, replace(UNION[1], is_chief=True, delegated_in_writing=True), UNION[2]]
            + EMPLOYER,
            RECORDER,
            ["the union side must have exactly one chief representative, not 2"],
            id="two-chiefs",
        ),
        pytest.param(
            UNION + [replace(LEGAL_REP, is_chief=False)] + EMPLOYER[1:],
            RECORDER,
            ["the employer side must have exactly one chief representative, not 0"],
            id="no-chief",
        ),
        pytest.param(
            [replace(CHAIR, is_union_chair=False)] + UNION[1:] + EMPLOYER,
            RECORDER,
            [
                "the union chief representative 王芳 is neither the union chair "
                "nor delegated in writing by the chair"
            ],
            id="union-chief-neither-chair-nor-delegated",
        ),
        pytest.param(
            [replace(CHAIR, is_union_chair=False, delegated_in_writing=True)]
            + UNION[1:]
            + EMPLOYER,
            RECORDER,
            [],
            id="union-chief-delegated-by-the-chair",
        ),
        pytest.param(UNION + EMPLOYER, RECORDER, [], id="employer-chief-legal-representative"),
        pytest.param(
            UNION
            + [replace(LEGAL_REP, is_legal_representative=False, delegated_in_writing=True)]
            + EMPLOYER[1:],
            RECORDER,
            [],
            id="employer-chief-delegated-in-writing",
        ),
        pytest.param(
            UNION + [replace(LEGAL_REP, is_legal_representative=False)] + EMPLOYER[1:],
            RECORDER,
            [
                "the employer chief representative 赵敏 is neither the legal representative "
                "nor delegated in writing by them"
            ],
            id="employer-chief-neither",
        ),
        pytest.param(
            UNION[:2] + [replace(UNION[2], is_outside_expert=True)] + EMPLOYER,
            RECORDER,
            [],
            id="1-expert-of-3",
        ),
        pytest.param(
            UNION
            + more("union", 4, 2, is_outside_expert=True)
            + EMPLOYER
            + more("employer", 14, 2),
            RECORDER,
            ["2 of the 5 union representatives are outside experts; at most a third may be"],
            id="2-experts-of-5",
        ),
        pytest.param(
            UNION
            + more("union", 4, 3)
            + EMPLOYER
            + more("employer", 14, 2, is_outside_expert=True)
            + more("employer", 16, 1),
            RECORDER,
            [],
            id="2-experts-of-6-is-exactly-a-third",
        ),
        pytest.param(
            [replace(CHAIR, is_outside_expert=True)] + UNION[1:] + EMPLOYER,
            RECORDER,
            [
                "the union chief representative 王芳 is an outside expert; "
                "a chief must come from the enterprise"
            ],
            id="expert-chief",
        ),
        pytest.param(
            UNION + EMPLOYER[:2] + [Representative(3, "张伟", "employer")],
            RECORDER,
            ["张伟 cannot represent both sides"],
            id="same-person-on-both-sides",
        ),
        pytest.param(UNION + EMPLOYER, None, ["no recorder has been appointed"], id="no-recorder"),
        pytest.param(
            UNION + EMPLOYER,
            2,
            ["the recorder 李强 is a representative; the recorder must be neutral"],
            id="recorder-is-a-representative",
        ),
    ],
)
def test_representative_rules(reps, recorder_id, expected):
    assert [str(m) for m in representative_problems(reps, recorder_id)] == expected


def test_representative_problem_names_the_side_and_the_numbers_as_parameters():
    too_few, unequal = representative_problems(UNION + EMPLOYER[:2], RECORDER)
    assert too_few.params == {"side": "employer", "count": 2, "minimum": 3}
    assert unequal.params == {"union": 3, "employer": 2}


def test_a_representative_sits_on_the_union_or_the_employer_side():
    with pytest.raises(ValueError, match="union or employer, not 'workers'"):
        Representative(1, "王芳", "workers")


@pytest.mark.parametrize(
    ("received_on", "profile", "expected"),
    [
        # Sep 20 + 20 days = Sat Oct 10, an adjusted working day (调休上班): it stays.
        (date(2026, 9, 20), NATIONAL, date(2026, 10, 10)),
        # Sep 15 + 20 days = Mon Oct 5, inside National Day → Thu Oct 8.
        (date(2026, 9, 15), NATIONAL, date(2026, 10, 8)),
        # 10 working days from Sun Sep 20 (itself a working day, not counted): Sep 21-24 (4),
        # Sep 28-30 (7), Oct 8, 9 and the working Saturday Oct 10 (10).
        (
            date(2026, 9, 20),
            RuleProfile(response_days=10, day_counting=WORKING_DAYS),
            date(2026, 10, 10),
        ),
    ],
)
def test_response_deadline(received_on, profile, expected):
    assert response_deadline(received_on, profile).on == expected


@pytest.mark.parametrize(
    ("vacated_on", "expected"),
    [
        (date(2026, 9, 1), date(2026, 9, 16)),  # a plain Wednesday
        (date(2026, 9, 12), date(2026, 9, 28)),  # Sun Sep 27, Mid-Autumn → Monday
    ],
)
def test_refill_deadline(vacated_on, expected):
    assert refill_deadline(vacated_on, NATIONAL).on == expected


@pytest.mark.parametrize(
    ("extension_days", "expected"),
    [
        (0, date(2026, 10, 8)),  # Sep 1 + 30 = Thu Oct 1, National Day → Oct 8
        (15, date(2026, 10, 16)),  # Sep 1 + 45 = Fri Oct 16
    ],
)
def test_dispute_deadline(extension_days, expected):
    assert dispute_deadline(date(2026, 9, 1), NATIONAL, extension_days).on == expected


@pytest.mark.parametrize("extension_days", [-1, 16])
def test_dispute_extension_beyond_the_profile_is_refused(extension_days):
    with pytest.raises(ValueError, match="an extension is 0 to 15 days"):
        dispute_deadline(date(2026, 9, 1), NATIONAL, extension_days)


@pytest.mark.parametrize("years", [1, 2, 3])
def test_a_term_of_one_to_three_years_is_lawful(years):
    assert years in TERM_YEARS
    assert term_problem(years) is None


@pytest.mark.parametrize("years", [0, 4, -1])
def test_a_term_outside_one_to_three_years_is_refused_in_words(years):
    assert years not in TERM_YEARS
    assert str(term_problem(years)) == "The term is 1, 2 or 3 years (集体合同规定 Art 38)."


# The deadlines running now, as the pages list them

RESPONSE_DUE = DueDay(date(2026, 6, 22))
DISPUTE_DUE = DueDay(date(2026, 7, 23), provisional=True)
RESUME_ON = date(2026, 6, 20)
SEAT = Vacancy("孙工会", DueDay(date(2026, 6, 16)))

RESPONSE = ("Written response due", date(2026, 6, 22), "集体合同规定 Art 32", False)
REFILL = ("Refill the seat of 孙工会", date(2026, 6, 16), "集体合同规定 Art 31", False)
DISPUTE = ("Dispute coordination ends", date(2026, 7, 23), "集体合同规定 Art 52", True)
RESUME = ("Talks resume", RESUME_ON, "集体合同规定 Art 35", False)


def listed(deadlines: list[Deadline]) -> list[tuple]:
    return [(str(d.label), d.due, d.article, d.provisional) for d in deadlines]


def negotiation_in(state, **changes) -> list[tuple]:
    data = {
        "responded": False,
        "response_due": RESPONSE_DUE,
        "vacancies": [SEAT],
        "dispute_due": DISPUTE_DUE,
        "resume_on": RESUME_ON,
    }
    return listed(negotiation_deadlines(state, **(data | changes)))


NEGOTIATION_DEADLINES = {
    NegotiationState.DRAFT: [],
    NegotiationState.REQUESTED: [RESPONSE],
    NegotiationState.PREPARING: [REFILL],
    NegotiationState.NEGOTIATING: [REFILL],
    NegotiationState.SUSPENDED: [REFILL, RESUME],
    NegotiationState.IN_DISPUTE: [REFILL, DISPUTE],
    NegotiationState.AGREED: [],
    NegotiationState.IN_CONGRESS: [],
    NegotiationState.RATIFIED: [],
    NegotiationState.ABANDONED: [],
}


def test_the_response_deadline_stops_with_the_response():
    assert negotiation_in(NegotiationState.REQUESTED, responded=True) == []


def test_a_refilled_seat_has_no_deadline_and_the_others_keep_their_order():
    seats = [
        Vacancy("周经理", DueDay(date(2026, 6, 18), provisional=True)),
        replace(SEAT, refilled=True),
        Vacancy("李工会", DueDay(date(2026, 6, 17))),
    ]
    assert negotiation_in(NegotiationState.NEGOTIATING, vacancies=seats) == [
        ("Refill the seat of 周经理", date(2026, 6, 18), "集体合同规定 Art 31", True),
        ("Refill the seat of 李工会", date(2026, 6, 17), "集体合同规定 Art 31", False),
    ]


def test_a_refill_deadline_names_the_seat_as_a_parameter():
    (refill,) = negotiation_deadlines(
        NegotiationState.PREPARING,
        responded=True,
        response_due=RESPONSE_DUE,
        vacancies=[SEAT],
        dispute_due=DueDay(None),
        resume_on=None,
    )
    assert refill.label == Message("Refill the seat of %(name)s", {"name": "孙工会"})


def test_a_deadline_without_a_day_is_left_out():
    assert negotiation_in(NegotiationState.IN_DISPUTE, vacancies=[], dispute_due=DueDay(None)) == []
    assert negotiation_in(NegotiationState.SUSPENDED, vacancies=[], resume_on=None) == []
    provisional = DueDay(date(2026, 6, 22), provisional=True)
    assert negotiation_in(NegotiationState.REQUESTED, response_due=provisional) == [
        (*RESPONSE[:3], True)
    ]


CONTRACT_TODAY = date(2026, 10, 9)
RENEWAL_OPENS_ON = date(2028, 6, 30)

FILING = (
    "File with the labour administration",
    date(2026, 7, 8),
    "试行办法 Art 21; 集体合同规定 Art 42",
    False,
)
REVIEW = (
    "The labour administration's review ends",
    date(2026, 7, 23),
    "集体合同规定 Art 45–47",
    True,
)
PUBLICATION = (
    "Publish the contract to all staff",
    date(2026, 8, 5),
    "试行办法 Art 23; 集体合同规定 Art 48",
    False,
)
RENEWAL = ("Renewal may be asked for from", RENEWAL_OPENS_ON, "集体合同规定 Art 38", False)
TERM_ENDS = ("The term ends", date(2028, 9, 30), "集体合同规定 Art 38", False)


def contract_in(state, today=CONTRACT_TODAY, **changes) -> list[tuple]:
    data = {
        "filing_due": DueDay(date(2026, 7, 8)),
        "review_due": DueDay(date(2026, 7, 23), provisional=True),
        "publication_due": DueDay(date(2026, 8, 5)),
        "renewal_opens_on": RENEWAL_OPENS_ON,
        "ends_on": date(2028, 9, 30),
        "renewal_started": False,
    }
    return listed(contract_deadlines(state, today, **(data | changes)))


CONTRACT_DEADLINES = {
    ContractState.DRAFTED: [],
    ContractState.SIGNING: [],
    ContractState.SIGNED: [FILING],
    ContractState.FILED: [REVIEW],
    ContractState.EFFECTIVE: [PUBLICATION, RENEWAL, TERM_ENDS],
    ContractState.PUBLISHED: [RENEWAL, TERM_ENDS],
    ContractState.EXPIRED: [],
    ContractState.RETURNED: [],
    ContractState.VOID: [],
}


@pytest.mark.parametrize(
    ("listed_in", "state", "expected"),
    [
        pytest.param(listed_in, state, table[state], id=f"{listed_in.__name__}-{state}")
        for listed_in, states, table in (
            (negotiation_in, NegotiationState, NEGOTIATION_DEADLINES),
            (contract_in, ContractState, CONTRACT_DEADLINES),
        )
        for state in states
    ],
)
def test_each_state_lists_the_deadlines_that_run_in_it(listed_in, state, expected):
    assert listed_in(state) == expected


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        (date(2028, 6, 29), [RENEWAL, TERM_ENDS]),
        (RENEWAL_OPENS_ON, [TERM_ENDS]),  # the window is open: the page offers to renew instead
        (date(2028, 7, 1), [TERM_ENDS]),
    ],
)
def test_the_renewal_day_is_listed_until_it_comes(today, shown):
    assert contract_in(ContractState.PUBLISHED, today) == shown


def test_a_renewal_under_way_leaves_only_the_end_of_the_term():
    assert contract_in(ContractState.PUBLISHED, renewal_started=True) == [TERM_ENDS]


def test_a_contract_deadline_without_a_day_is_left_out():
    assert contract_in(ContractState.SIGNED, filing_due=DueDay(None)) == []


@pytest.mark.parametrize(
    ("present", "total", "reached"),
    [(19, 30, False), (20, 30, True), (30, 30, True), (20, 31, False), (21, 31, True)],
)
def test_quorum_is_two_thirds_of_all_delegates_inclusive(present, total, reached):
    assert quorum_reached(present, total, NATIONAL) is reached


@pytest.mark.parametrize(
    ("yes", "total", "passes"),
    [(15, 30, False), (16, 30, True), (15, 31, False), (16, 31, True), (0, 30, False)],
)
def test_item_passes_with_more_than_half_of_all_delegates(yes, total, passes):
    assert item_passes(yes, total, NATIONAL) is passes


@pytest.mark.parametrize(
    ("total", "quorum", "votes"), [(30, 20, 16), (31, 21, 16), (32, 22, 17), (33, 22, 17)]
)
def test_quorum_and_votes_needed(total, quorum, votes):
    assert quorum_needed(total, NATIONAL) == quorum
    assert votes_needed(total, NATIONAL) == votes
    assert quorum_reached(quorum, total, NATIONAL)
    assert not quorum_reached(quorum - 1, total, NATIONAL)
    assert item_passes(votes, total, NATIONAL)
    assert not item_passes(votes - 1, total, NATIONAL)


@pytest.mark.parametrize("check", [quorum_reached, item_passes])
@pytest.mark.parametrize("count", [-1, 31])
def test_counts_outside_the_delegates_are_refused(check, count):
    with pytest.raises(ValueError, match="between 0 and the 30 delegates"):
        check(count, 30, NATIONAL)


def test_a_regions_own_quorum_applies():
    three_quarters = RuleProfile(quorum_numerator=3, quorum_denominator=4)
    assert quorum_needed(30, three_quarters) == 23
    assert not quorum_reached(22, 30, three_quarters)
