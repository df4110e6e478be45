"""The list of negotiations and the page of one: where it stands, its deadlines, the grids on
the table, the sides' acceptances and its history."""

from flask import request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app import clock
from app.audit.operations import history
from app.contracts.access import visible_contracts_query
from app.contracts.models import Contract
from app.db import INTEGER_MAX
from app.errors import translate
from app.extensions import db
from app.negotiations import queries
from app.negotiations.access import (
    allowed_triggers,
    get_negotiation_or_404,
    sides_of,
    visible_negotiations_query,
)
from app.negotiations.forms import (
    AbandonForm,
    AcceptForm,
    ExtensionForm,
    RefuseForm,
    RoundForm,
    SuspensionForm,
)
from app.negotiations.models import Negotiation
from app.negotiations.views.common import _acceptances, _may, _render, bp
from app.orgs.models import Enterprise
from app.stepper import stepper
from workflows import negotiation as workflow
from workflows import rules
from workflows.negotiation import WORKFLOW

PER_PAGE = 50
OVERDUE = "overdue"  # the overview's filter for requests whose response is overdue


@bp.get("/negotiations")
@login_required
def index():
    state = request.args.get("state", "")
    # Any page past the last is empty; the cap keeps its offset within what the database holds
    # (SQLite's overflows beyond 64 bits: a 500).
    page = min(request.args.get("page", 1, type=int), INTEGER_MAX)
    query = visible_negotiations_query(current_user).options(
        joinedload(Negotiation.enterprise).joinedload(Enterprise.region)
    )
    if state == OVERDUE:
        query = query.where(Negotiation.response_overdue(clock.today()))
    elif state in workflow.STATES:
        query = query.where(Negotiation.state == state)
    else:
        state = ""
    listed = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    today = clock.today()
    overdue = {n.id for n in listed.items if queries.is_response_overdue(n, today)}
    return _render(
        "negotiations/index.html",
        negotiations=listed,
        state=state,
        overdue=overdue,
        states=workflow.STATES,
        OVERDUE=OVERDUE,
    )


def _latest_columns(columns) -> list:
    """The current grid and each side's latest proposal."""
    latest = {}
    for column in columns:
        latest[column.grid.side] = column  # the current grid has no side (None)
    return [latest[side] for side in (None, *rules.SIDES) if side in latest]


def _render_show(negotiation: Negotiation, status: int = 200, **forms):
    forms = {
        "accept_form": AcceptForm(prefix="accept", formdata=None),
        "refuse_form": RefuseForm(prefix="refuse", formdata=None),
        "suspension_form": SuspensionForm(prefix="suspend", formdata=None),
        "extension_form": ExtensionForm(prefix="extend", formdata=None),
        "abandon_form": AbandonForm(prefix="abandon", formdata=None),
        "round_form": RoundForm(prefix="round", formdata=None),
        **forms,
    }
    events = history(negotiation)
    columns = queries.comparison(negotiation)
    my_sides = sides_of(current_user, negotiation)
    return _render(
        "negotiations/show.html",
        status,
        n=negotiation,
        enterprise=negotiation.enterprise,
        actions=allowed_triggers(negotiation, current_user),
        my_sides=my_sides,
        steps=stepper(
            workflow.STEPS, negotiation.state, [e.to_state for e in events], resumes=True
        ),
        deadlines=queries.deadlines(negotiation),
        response_overdue=queries.is_response_overdue(negotiation),
        problems=[translate(p) for p in queries.representative_problems(negotiation)],
        appointing=WORKFLOW.is_open("appoint", negotiation.state),
        items=queries.draft_items(negotiation),
        columns=_latest_columns(columns),
        acceptances=_acceptances(negotiation, columns),
        history=events,
        may=_may(negotiation),
        profile=negotiation.enterprise.region.rule_profile,
        contracts=db.session.scalars(
            visible_contracts_query(current_user).where(Contract.negotiation_id == negotiation.id)
        ).all(),
        **forms,
    )


@bp.get("/negotiations/<int:negotiation_id>")
@login_required
def show(negotiation_id: int):
    return _render_show(get_negotiation_or_404(negotiation_id, current_user))
