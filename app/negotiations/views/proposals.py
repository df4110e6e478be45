"""Wage-grid proposals (能级工资表): a side's proposal in a round, accepting one, and the grids
compared side by side."""

from collections import defaultdict

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import (
    acting_side,
    get_negotiation_or_404,
    get_proposal_or_404,
    get_round_or_404,
    require_role,
)
from app.negotiations.forms import ProposalForm, grid_data
from app.negotiations.models import Negotiation
from app.negotiations.views.common import _done, _render, bp
from app.wage_grids.queries import current_grid
from workflows import rules
from workflows.negotiation import State

# The grid errors of `submit_proposal` name the row's field in fen; the form's fields are yuan.
GRID_FIELDS = {"base_fen": "base", "allowance_fen": "allowance", "headcount": "headcount"}


def _ladder(negotiation: Negotiation, side: str) -> tuple[list[str], list[rules.GradeRow]]:
    """The enterprise's grade ladder (the current grid's grades, else the default eight) and the
    figures a new proposal starts from: the side's latest proposal, else the current grid."""
    current = current_grid(negotiation.enterprise)
    grades = [r.grade for r in current.rows] if current else list(rules.DEFAULT_GRADES)
    own = [g for g in negotiation.proposals if g.side == side]
    start = own[-1] if own else current
    figures = {r.grade: r for r in start.grade_rows} if start else {}
    return grades, [figures.get(g) for g in grades]


def _show_grid_errors(form: ProposalForm, exc: InvalidInput) -> dict[int, list[str]]:
    """Put `rows.<index>.<field>` details next to the row's input; a row's total under the row.
    Returns the row-level messages by row index."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for key, messages in exc.details.items():
        _rows, _dot, rest = key.partition(".")
        index, _dot, field = rest.partition(".")
        if not index.isdigit() or int(index) >= len(form.rows):
            flash(" ".join(messages), "error")
            continue
        entry = form.rows[int(index)]
        if field in GRID_FIELDS:
            entry[GRID_FIELDS[field]].errors = [*entry[GRID_FIELDS[field]].errors, *messages]
        else:
            by_row[int(index)] += messages
    return by_row


def _summary(form: ProposalForm, grades: list[str], exc: InvalidInput | None) -> list[str]:
    """Every problem of the grid on top of the form; an operation's messages name the grade."""
    if exc is not None:
        return [
            m for key, messages in exc.details.items() if key.startswith("rows.") for m in messages
        ]
    return [
        f"{grade} · {field.label.text}: {error}"
        for grade, entry in zip(grades, form.rows.entries, strict=True)
        for field in entry
        for error in field.errors
    ]


@bp.route("/rounds/<int:round_id>/proposal", methods=["GET", "POST"])
@login_required
def propose(round_id: int):
    round_ = get_round_or_404(round_id, current_user)
    negotiation = round_.negotiation
    require_role(negotiation, current_user, "propose")
    side = acting_side(current_user, negotiation)
    grades, start = _ladder(negotiation, side)
    if request.method == "GET":
        form = ProposalForm(data=grid_data(start))
    else:
        form = ProposalForm()
        if len(form.rows.entries) != len(grades):
            abort(400)
    row_errors: dict[int, list[str]] = {}
    summary: list[str] = []
    if form.validate_on_submit():
        try:
            ops.submit_proposal(
                round_, current_user, form.grade_rows(grades), note=form.note.data or "", side=side
            )
        except InvalidInput as exc:
            row_errors = _show_grid_errors(form, exc)
            summary = _summary(form, grades, exc)
        else:
            flash(_("Your proposal for round %(n)d is on the table.", n=round_.number), "success")
            return redirect(url_for("negotiations.show_round", round_id=round_.id))
    elif request.method == "POST":
        summary = _summary(form, grades, None)
    current = current_grid(negotiation.enterprise)
    return _render(
        "negotiations/proposal_form.html",
        422 if request.method == "POST" else 200,
        n=negotiation,
        round=round_,
        enterprise=negotiation.enterprise,
        form=form,
        side=side,
        rows=list(zip(grades, form.rows.entries, strict=True)),
        row_errors=row_errors,
        summary=summary,
        current={r.grade: r for r in current.rows} if current else {},
        minimum_wage_fen=negotiation.enterprise.region.minimum_wage_fen,
    )


@bp.post("/proposals/<int:grid_id>/accept")
@login_required
def accept_proposal(grid_id: int):
    grid = get_proposal_or_404(grid_id, current_user)
    negotiation = grid.negotiation
    require_role(negotiation, current_user, "accept_proposal")
    ops.accept_proposal(negotiation, current_user, grid)
    if negotiation.state == State.AGREED:
        return _done(
            negotiation, _("Both sides accept the same grid and clauses: the draft is agreed.")
        )
    return _done(
        negotiation,
        _(
            "You accepted the proposal of round %(n)d with the clauses as "
            "they stand; the other side decides.",
            n=grid.round.number,
        ),
    )


@bp.get("/negotiations/<int:negotiation_id>/comparison")
@login_required
def comparison(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    columns = queries.comparison(negotiation)
    grades: list[str] = []
    for column in columns:
        grades += [r.grade for r in column.grid.rows if r.grade not in grades]
    cells = [{r.grade: r for r in column.grid.rows} for column in columns]
    return _render(
        "negotiations/comparison.html",
        n=negotiation,
        enterprise=negotiation.enterprise,
        columns=columns,
        grades=grades,
        cells=cells,
    )
