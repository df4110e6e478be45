"""The negotiation page's deadlines (`queries.deadlines`, built on the pure
`rules.negotiation_deadlines`), stage by stage, in both languages."""

import re
from dataclasses import astuple
from datetime import date

import pytest
from flask_babel import force_locale

from app.negotiations import operations as ops
from app.negotiations import queries
from tests.fixtures.negotiations import TODAY

LATER = date(2026, 6, 25)  # after the response is due: the countdown runs negative


def from_the_page(negotiation, today: date) -> list[tuple]:
    return [astuple(d) for d in queries.deadlines(negotiation, today)]


def assert_same_lists(negotiation) -> None:
    """The page lists the same deadlines in both languages, counting down from any day; only the
    labels differ, and the Chinese ones are Chinese."""
    for today in (TODAY, LATER):
        with force_locale("en"):
            english = from_the_page(negotiation, today)
        with force_locale("zh"):
            chinese = from_the_page(negotiation, today)
        assert [row[1:] for row in english] == [row[1:] for row in chinese]
        assert all(re.search(r"[\u4e00-\u9fff]", row[0]) for row in chinese)


@pytest.mark.parametrize("provisional", [False, True])
def test_a_request_lists_its_response_until_it_is_answered(walk, world, provisional):
    n = walk.requested()
    n.response_due_provisional = provisional
    assert len(from_the_page(n, TODAY)) == 1
    assert_same_lists(n)
    ops.refuse_request(n, world.employer_chief, "经营困难", today=TODAY)
    assert from_the_page(n, TODAY) == []
    assert_same_lists(n)


def test_a_vacant_seat_is_listed_until_it_is_refilled(walk, world):
    n = walk.negotiating()
    for rep in n.active_representatives("union")[1:]:
        ops.vacate_representative(rep, world.union_chief, today=TODAY)
    assert len(from_the_page(n, TODAY)) == 2
    assert_same_lists(n)
    ops.appoint_representative(
        n, world.union_chief, side="union", user=world.delegates[1], today=TODAY
    )
    assert len(from_the_page(n, TODAY)) == 1
    assert_same_lists(n)


def test_a_dispute_lists_its_end(walk, world):
    n = walk.requested()
    ops.escalate(n, world.union_chief, today=date(2026, 6, 23))
    assert len(from_the_page(n, TODAY)) == 1
    assert_same_lists(n)


def test_suspended_talks_list_the_day_they_resume_beside_a_vacant_seat(walk, world):
    n = walk.negotiating()
    ops.vacate_representative(
        n.active_representatives("employer")[2], world.employer_chief, today=TODAY
    )
    ops.propose_suspension(n, world.union_chief, date(2026, 6, 20), today=TODAY)
    ops.confirm_suspension(n, world.employer_chief, today=TODAY)
    assert len(from_the_page(n, TODAY)) == 2
    assert_same_lists(n)


def test_agreed_talks_list_nothing(walk):
    n = walk.agreed()
    assert from_the_page(n, TODAY) == []
    assert_same_lists(n)
