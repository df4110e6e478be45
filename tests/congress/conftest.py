"""The congress tests: operations answer in English; `sitting` is a congress of 30 in session."""

import pytest

from tests.fixtures.congress import build_sitting


@pytest.fixture(autouse=True)
def answers_in_english(english):
    """Operations called directly answer in English (the msgids) in these tests."""


@pytest.fixture
def sitting(make):
    return build_sitting(make)
