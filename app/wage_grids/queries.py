"""Reading wage grids: the grid in force, and what a proposal is costed and compared against.
Nothing here changes state (that is `operations`)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.wage_grids.models import WageGrid
from workflows import rules


def current_grid(enterprise) -> WageGrid | None:
    """The grid in force: the newest one not proposed in a negotiation."""
    return db.session.scalar(
        select(WageGrid)
        .where(
            WageGrid.enterprise_id == enterprise.id,
            WageGrid.round_id.is_(None),
            WageGrid.negotiation_id.is_(None),
        )
        .order_by(WageGrid.id.desc())
        .limit(1)
    )


def guideline_band(enterprise, year: int) -> rules.GuidelineBand | None:
    """The region's wage guideline (工资指导线) for `year`, the band a proposal is costed in."""
    guideline = enterprise.region.guideline_for(year)
    if guideline is None:
        return None
    return rules.GuidelineBand(guideline.lower_bp, guideline.base_bp, guideline.upper_bp)


def changed_cells(grid: WageGrid, current: WageGrid | None) -> frozenset:
    """The (position, field) pairs of `grid` that differ from the grid in force."""
    if current is None:
        return frozenset()
    before = {r.grade: r for r in current.rows}
    changed = set()
    for row in grid.rows:
        old = before.get(row.grade)
        for field in ("base_fen", "allowance_fen", "headcount"):
            if old is None or getattr(old, field) != getattr(row, field):
                changed.add((row.position, field))
    return frozenset(changed)
