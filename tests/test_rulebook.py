"""One rulebook (README, "Architecture"): what a person may do now is answered by the workflows and
the domains' access modules, never by a second list. These tests read the source: a state
compared with a string literal, or a role checked outside the access modules, fails them."""

import re
from pathlib import Path

import pytest

from workflows import congress, contract, negotiation

ROOT = Path(__file__).resolve().parent.parent
# `x.state == "open"`, `state != 'draft'`, `state in ("a", "b")`, `.state.in_(["a"])`
STATE_LITERAL = re.compile(
    r"""state\s*(?:==|!=)\s*["']|state\s+(?:not\s+)?in\s*[(\[{]\s*["']|state\.in_\(\s*[(\[]\s*["']"""
)
# Whoever holds which role is asked in the access modules (and the auth package that defines the
# roles); the models answer for themselves (`can_view`).
ROLE_CHECK = re.compile(
    r"\.has_role\(|\.roles_in\(|\.is_federation_admin|\.is_labour_officer|global_role\s*=="
)
ROLE_CHECKS_LIVE_IN = re.compile(r"^app/(?:[a-z_]+/access\.py|[a-z_]+/models\.py|auth/)")
# Setting up: the demo data, the CLI that creates users.
NOT_RULES = {"app/demo.py", "app/cli.py"}


def _sources(*patterns: str):
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _hits(pattern: re.Pattern, sources) -> list[str]:
    return [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources
        for number, line in enumerate(text.splitlines(), start=1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]


def test_no_state_is_compared_with_a_string_outside_the_workflows():
    sources = [s for s in _sources("app/**/*.py", "templates/**/*.html") if s[0] not in NOT_RULES]
    assert _hits(STATE_LITERAL, sources) == []


def test_no_role_is_checked_outside_the_access_modules():
    sources = [
        (name, text)
        for name, text in _sources("app/**/*.py")
        if not ROLE_CHECKS_LIVE_IN.match(name) and name not in NOT_RULES
    ]
    assert _hits(ROLE_CHECK, sources) == []


@pytest.mark.parametrize(
    "line",
    [
        'if negotiation.state == "agreed":',
        "{% if c.state == 'void' %}",
        "{% elif session.state in ('scheduled', 'in_session') %}",
        'select(Contract).where(Contract.state.in_(["filed"]))',
    ],
)
def test_the_state_check_finds_a_literal(line):
    assert STATE_LITERAL.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "if not current_user.is_federation_admin:",
        "if user.has_role(enterprise.id, Role.UNION_REP):",
        "User.global_role == GlobalRole.LABOUR_OFFICER,",
    ],
)
def test_the_role_check_finds_a_role_test(line):
    assert ROLE_CHECK.search(line)


ENUMS = {
    "NegotiationState": negotiation.State,
    "ContractState": contract.State,
    "SessionState": congress.SessionState,
    "MotionState": congress.MotionState,
}


def test_every_state_a_page_names_exists():
    # Pages name states through the enums the templates get; Jinja would read a misspelt one as
    # undefined and compare it as False, so each name is checked here.
    named = [
        (name, enum, member)
        for name, text in _sources("templates/**/*.html")
        for enum, member in re.findall(r"\b(" + "|".join(ENUMS) + r")\.([A-Za-z_]+)", text)
    ]
    assert named, "the pages name states through the enums"
    assert [n for n in named if not hasattr(ENUMS[n[1]], n[2])] == []
