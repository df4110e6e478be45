"""The unified social credit code (统一社会信用代码), GB 32100-2015.

The published codes below are those of well-known companies, as printed on their business licences;
they test `check_character` against real data, not only against codes it built itself.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.credit_code import CHARSET, check_character, credit_code_problem

PUBLISHED = [
    pytest.param("914403001922038216", id="huawei-technologies"),
    pytest.param("91440300708461136T", id="shenzhen-tencent-computer-systems"),
    pytest.param("91330100799655058B", id="alibaba-china"),
    pytest.param("91110108551385082Q", id="xiaomi-technology"),
    pytest.param("91110000802100433B", id="beijing-baidu-netcom"),
]


def build(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert credit_code_problem(code) is None
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    "first17",
    [
        "91320214MA1X0Y000",  # a company in Wuxi, organisation code with letters
        "91110000000000000",  # all zeros after the division code
        "12100000400000624",  # a public institution (事业单位), registration department 1
        "53310000MJ0000000",  # a social organisation (民政), registration department 5
        "92440300L12345678",  # an individual business (个体工商户)
    ],
)
def test_a_code_built_with_its_check_character_is_valid(first17):
    code = build(first17)
    assert len(code) == 18
    assert code[17] in CHARSET
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", PUBLISHED)
def test_a_wrong_check_character_names_the_expected_one(code):
    wrong = next(c for c in CHARSET if c != code[17])
    problem = credit_code_problem(code[:17] + wrong)
    assert problem is not None
    assert problem.params == {"given": wrong, "expected": code[17]}
    assert str(problem) == f"the check character is {wrong} but should be {code[17]}"


def test_a_lower_case_check_letter_is_refused_here_and_upper_cased_by_the_app():
    lower = "91440300708461136t"
    problem = credit_code_problem(lower)
    assert problem is not None
    assert problem.params == {"chars": "t"}  # names the character it does not accept
    # The app upper-cases (and trims) what a person types before checking it.
    from app.orgs.operations import normalise_credit_code

    assert normalise_credit_code(f"  {lower} ") == "91440300708461136T"


@pytest.mark.parametrize("code", ["", "91440300708461136", "91440300708461136TT"])
def test_a_code_of_the_wrong_length_says_how_long_it_is(code):
    problem = credit_code_problem(code)
    assert problem is not None
    assert str(problem) == f"must be 18 characters, not {len(code)}"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_the_standard_never_uses_are_named(letter):
    first17 = "91320214MA1X0Y00" + letter
    code = first17 + "0"
    problem = credit_code_problem(code)
    assert problem is not None
    assert str(problem) == f"contains characters a credit code never uses: {letter}"


def test_every_forbidden_letter_is_named_once_in_order():
    problem = credit_code_problem("91320214SVIOZZ0000")
    assert problem is not None
    assert problem.params == {"chars": "IOSVZ"}


@pytest.mark.parametrize("first17", ["91A20214MA1X0Y000", "9132021XMA1X0Y000", "9LMNPQR4MA1X0Y000"])
def test_the_division_code_must_be_six_digits(first17):
    problem = credit_code_problem(build(first17))
    assert problem is not None
    assert str(problem) == "characters 3 to 8 must be the six-digit administrative division code"


_code_char = st.sampled_from(CHARSET)
_digit = st.sampled_from("0123456789")


@given(
    head=st.text(_code_char, min_size=2, max_size=2),
    division=st.text(_digit, min_size=6, max_size=6),
    rest=st.text(_code_char, min_size=9, max_size=9),
    wrong=_code_char,
)
def test_only_the_computed_check_character_is_accepted(head, division, rest, wrong):
    first17 = head + division + rest
    expected = check_character(first17)
    assert credit_code_problem(first17 + expected) is None
    problem = credit_code_problem(first17 + wrong)
    if wrong == expected:
        assert problem is None
    else:
        assert problem is not None
        assert problem.params["expected"] == expected
