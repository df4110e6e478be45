"""Everything that writes a wage grid: a new grid, checked against the minimum wage, and the
grid in force of an enterprise. Each flushes; the request commits."""

from __future__ import annotations

from app.audit.operations import record
from app.auth.models import User
from app.errors import InvalidInput, translate
from app.extensions import db
from app.wage_grids.access import require_grid_keeper
from app.wage_grids.models import WageGrid, WageGridRow
from workflows import rules


def _check_grid(rows: list[rules.GradeRow], minimum_wage_fen: int) -> None:
    problems = rules.grid_problems(rows, minimum_wage_fen)
    if problems:
        details: dict[str, list[str]] = {}
        for problem in problems:
            key = "rows" if problem.row is None else f"rows.{problem.row}.{problem.field}"
            details.setdefault(key, []).append(translate(problem.message))
        first = next(iter(details.values()))[0]
        error = InvalidInput("rows", first)
        error.details = details
        raise error


def add_grid(enterprise, rows: list[rules.GradeRow], actor: User | None, **values) -> WageGrid:
    """A new grid of `enterprise` from its rows, refused (422, by row and field) when a row
    breaks a rule; `values` make it a proposal (negotiation, round, side) or not."""
    _check_grid(rows, enterprise.region.minimum_wage_fen)
    grid = WageGrid(
        enterprise_id=enterprise.id, created_by_id=actor.id if actor else None, **values
    )
    grid.rows = [
        WageGridRow(
            position=i,
            grade=r.grade.strip(),
            base_fen=r.base_fen,
            allowance_fen=r.allowance_fen,
            headcount=r.headcount,
        )
        for i, r in enumerate(rows, start=1)
    ]
    db.session.add(grid)
    db.session.flush()
    return grid


def set_current_grid(
    enterprise, actor: User | None, rows: list[rules.GradeRow], note: str = ""
) -> WageGrid:
    """Record the grid in force, with today's headcount per grade (the costing baseline)."""
    require_grid_keeper(actor, enterprise)
    grid = add_grid(enterprise, rows, actor, note=note)
    record(enterprise, "current_grid_set", actor, data={"grid_id": grid.id})
    return grid
