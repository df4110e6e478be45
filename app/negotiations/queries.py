"""Reading a negotiation: whether a deadline runs or has passed, the deadlines on its page, the
draft's numbered items, the representatives' problems and the grids compared and costed. Nothing
here changes state (that is `operations`); the pages, the API and the other domains read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app import clock
from app.deadlines import Countdown, countdown, due_day
from app.negotiations.models import Negotiation, Representative
from app.wage_grids.models import WageGrid
from app.wage_grids.queries import changed_cells, current_grid, guideline_band
from workflows import rules
from workflows.negotiation import OPEN, State

# --- where the talks stand --------------------------------------------------------------------


def is_response_overdue(negotiation: Negotiation, today: date | None = None) -> bool:
    return negotiation.response_overdue(today or clock.today())


def representative_problems(negotiation: Negotiation):
    enterprise = negotiation.enterprise
    reps = [
        rules.Representative(
            person_id=r.user_id if r.user_id is not None else -r.id,
            name=r.name,
            side=r.side,
            is_chief=r.is_chief,
            is_outside_expert=r.is_outside_expert,
            is_union_chair=r.user_id is not None and r.user_id == enterprise.union_chair_id,
            is_legal_representative=bool(enterprise.legal_representative)
            and r.name == enterprise.legal_representative,
            delegated_in_writing=r.delegated_in_writing,
        )
        for r in negotiation.active_representatives()
    ]
    return rules.representative_problems(reps, negotiation.recorder_user_id)


# --- deadlines --------------------------------------------------------------------------------


def response_running(negotiation: Negotiation) -> bool:
    return negotiation.state == State.REQUESTED and negotiation.responded_on is None


def refill_running(rep: Representative) -> bool:
    return (
        rep.vacated_on is not None and rep.refilled_by_id is None and rep.negotiation.state in OPEN
    )


def dispute_running(negotiation: Negotiation) -> bool:
    return negotiation.state == State.IN_DISPUTE and negotiation.dispute_due is not None


def deadlines(negotiation: Negotiation, today: date | None = None) -> list[Countdown]:
    """The deadlines running now (workflows.rules.negotiation_deadlines), in the reader's words,
    with the days left (negative when overdue)."""
    running = rules.negotiation_deadlines(
        negotiation.state,
        responded=negotiation.responded_on is not None,
        response_due=due_day(negotiation, "response_due"),
        vacancies=[
            rules.Vacancy(rep.name, due_day(rep, "refill_due"), rep.refilled_by_id is not None)
            for rep in negotiation.representatives
            if rep.vacated_on is not None
        ],
        dispute_due=due_day(negotiation, "dispute_due"),
        resume_on=negotiation.resume_on,
    )
    return countdown(running, today or clock.today())


# --- the draft (协议草案) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A numbered item of the draft, as the congress will vote on it."""

    number: int
    title: str
    text: str
    failed: bool


def draft_items(negotiation: Negotiation) -> list[Item]:
    """The draft's numbered items: the grid, the term, the adjustment rule, the pay day, then
    the other clauses."""
    grid = negotiation.agreed_grid
    fixed = [
        (
            str(_l("Wage standards (skill-grade wage grid)")),
            _("The skill-grade wage grid agreed in round %(n)d.", n=grid.round.number)
            if grid is not None
            else _("The wage grid both sides accept."),
        ),
        (
            str(_l("Term")),
            ngettext(
                "%(num)d year from the day the contract takes effect.",
                "%(num)d years from the day the contract takes effect.",
                negotiation.term_years,
            ),
        ),
        (str(_l("Annual wage adjustment")), negotiation.adjustment_rule or "—"),
        (
            str(_l("Pay day")),
            _("Wages are paid on day %(d)s of each month.", d=negotiation.pay_day or "—"),
        ),
    ]
    items = [(title, body) for title, body in fixed]
    items += [(i.title, i.text) for i in negotiation.items]
    failed = set(negotiation.failed_items or [])
    return [Item(n, title, body, n in failed) for n, (title, body) in enumerate(items, start=1)]


# --- the grids proposed, compared and costed (能级工资表) -------------------------------------


@dataclass(frozen=True)
class Column:
    """One grid in the comparison: which it is, its rows, and its costing."""

    label: str
    grid: WageGrid
    costing: rules.Costing
    changed: frozenset  # (position, field) pairs that differ from the current grid


def _band(negotiation: Negotiation) -> rules.GuidelineBand | None:
    year = (negotiation.requested_on or clock.today()).year
    return guideline_band(negotiation.enterprise, year)


def costing(negotiation: Negotiation, grid: WageGrid) -> rules.Costing:
    current = current_grid(negotiation.enterprise)
    return rules.cost_grid(
        grid.grade_rows, current.grade_rows if current else None, _band(negotiation)
    )


def comparison(negotiation: Negotiation) -> list[Column]:
    """The current grid and every proposal of every round, side by side, changes marked."""
    current = current_grid(negotiation.enterprise)
    band = _band(negotiation)
    base = current.grade_rows if current else None
    columns = []
    if current is not None:
        # No band: the grid in force is the baseline, not a proposal to weigh (试行办法 Art 8).
        columns.append(
            Column(str(_l("Current grid")), current, rules.cost_grid(base, base), frozenset())
        )
    for round_ in negotiation.rounds:
        for grid in sorted(round_.proposals, key=lambda g: g.side != rules.UNION):
            label = _(
                "Round %(n)d · %(side)s", n=round_.number, side=_(rules.SIDE_LABELS[grid.side])
            )
            columns.append(
                Column(
                    label,
                    grid,
                    rules.cost_grid(grid.grade_rows, base, band),
                    changed_cells(grid, current),
                )
            )
    return columns
