"""The negotiation pages (集体协商): the written request and its answer, representatives, rounds
and minutes, wage-grid proposals and their comparison, the draft, and the overview.

Each view loads with the access check (404 when not visible), refuses anyone who takes no part
in what it does (403) before reading a form, calls one operation and redirects. What a user may
do now comes from the machine (`access.allowed_triggers`); a refused action propagates as a
409 (or 403) page with the reason.
"""

from collections import defaultdict
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app import clock
from app.audit.operations import history
from app.auth.operations import find_user
from app.contracts.access import visible_contracts_query
from app.contracts.models import Contract
from app.db import INTEGER_MAX
from app.deadlines import due_text
from app.errors import InvalidInput, NotPermitted, translate
from app.extensions import db
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import (
    acting_side,
    allowed_triggers,
    get_item_or_404,
    get_negotiation_or_404,
    get_proposal_or_404,
    get_representative_or_404,
    get_round_or_404,
    require_enterprise_side,
    require_role,
    roles_of,
    sides_of,
    visible_negotiations_query,
)
from app.negotiations.forms import (
    AbandonForm,
    AcceptForm,
    ClausesForm,
    ExtensionForm,
    ItemForm,
    MinutesForm,
    ProposalForm,
    RecorderForm,
    RefuseForm,
    RepresentativeForm,
    RequestForm,
    RoundForm,
    SuspensionForm,
    grid_data,
    in_utc,
)
from app.negotiations.models import Negotiation, Round
from app.orgs.access import get_enterprise_or_404
from app.orgs.models import Enterprise
from app.stepper import stepper
from app.wage_grids.queries import current_grid
from workflows import negotiation as workflow
from workflows import rules
from workflows.negotiation import WORKFLOW, State

bp = Blueprint("negotiations", __name__)

PER_PAGE = 50
OVERDUE = "overdue"  # the overview's filter for requests whose response is overdue
# The grid errors of `submit_proposal` name the row's field in fen; the form's fields are yuan.
GRID_FIELDS = {"base_fen": "base", "allowance_fen": "allowance", "headcount": "headcount"}


@bp.app_template_filter("format_yuan")
def format_yuan_filter(fen) -> str:
    return rules.format_yuan(int(fen))


def _render(template: str, status: int = 200, **context):
    """Render with the workflow's labels at hand."""
    return render_template(
        template,
        translate=translate,
        STATE_LABELS=workflow.STATE_LABELS,
        ACTION_LABELS=workflow.ACTION_LABELS,
        SIDE_LABELS=rules.SIDE_LABELS,
        **context,
    ), status


# --- who takes part ---------------------------------------------------------------------------


def _chief_side(negotiation: Negotiation) -> str | None:
    roles = roles_of(current_user, negotiation)
    return next((side for side in rules.SIDES if f"{side}_chief" in roles), None)


def _may(negotiation: Negotiation) -> dict[str, bool]:
    """Which of the workflow's activities the user may take now (the pages' links and forms);
    each operation checks again."""
    roles = roles_of(current_user, negotiation)
    return {
        action: WORKFLOW.permits(action, negotiation.state, roles) for action in WORKFLOW.activities
    }


# --- the overview -----------------------------------------------------------------------------


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


# --- the written request (要约书) -------------------------------------------------------------


@bp.route("/enterprises/<int:enterprise_id>/negotiations/new", methods=["GET", "POST"])
@login_required
def new(enterprise_id: int):
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    require_enterprise_side(current_user, enterprise)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            negotiation = ops.open_negotiation(enterprise, current_user, **form.values())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The request is saved as a draft; send it when it is ready."), "success")
            return redirect(url_for("negotiations.show", negotiation_id=negotiation.id))
    return _render(
        "negotiations/request_form.html",
        422 if request.method == "POST" else 200,
        form=form,
        enterprise=enterprise,
        negotiation=None,
    )


@bp.route("/negotiations/<int:negotiation_id>/request", methods=["GET", "POST"])
@login_required
def edit_request(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "edit_request")
    form = RequestForm(obj=negotiation)
    if form.validate_on_submit():
        try:
            ops.update_request(negotiation, current_user, **form.values())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The request is saved."), "success")
            return redirect(url_for("negotiations.show", negotiation_id=negotiation.id))
    return _render(
        "negotiations/request_form.html",
        422 if request.method == "POST" else 200,
        form=form,
        enterprise=negotiation.enterprise,
        negotiation=negotiation,
    )


# --- the negotiation page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Acceptance:
    side: str
    grid_label: str | None  # None: nothing accepted
    revision: int | None
    current: bool  # False: the clauses changed since, the acceptance lapsed


def _acceptances(negotiation: Negotiation, columns) -> list[Acceptance]:
    labels = {c.grid.id: c.label for c in columns}
    result = []
    for side in rules.SIDES:
        grid_id = getattr(negotiation, f"{side}_accepted_grid_id")
        revision = getattr(negotiation, f"{side}_accepted_revision")
        result.append(
            Acceptance(
                side,
                labels.get(grid_id) if grid_id else None,
                revision,
                revision == negotiation.revision,
            )
        )
    return result


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


def _done(negotiation: Negotiation, message: str):
    flash(message, "success")
    return redirect(url_for("negotiations.show", negotiation_id=negotiation.id))


def _for_trigger(negotiation_id: int, action: str) -> Negotiation:
    """The negotiation, for someone whose roles take `action` in some state (403 otherwise); the
    operation judges the state."""
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, action)
    return negotiation


@bp.post("/negotiations/<int:negotiation_id>/send")
@login_required
def send_request(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "send_request")
    ops.send_request(negotiation, current_user)
    return _done(
        negotiation,
        _(
            "The request was sent; the written response is due on %(due)s.",
            due=due_text(negotiation, "response_due"),
        ),
    )


@bp.post("/negotiations/<int:negotiation_id>/accept")
@login_required
def accept(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "accept")
    form = AcceptForm(prefix="accept")
    if not form.validate_on_submit():
        return _render_show(negotiation, 422, accept_form=form)
    ops.accept_request(negotiation, current_user, form.topics.data or "")
    return _done(
        negotiation, _("You accepted the request; now each side appoints its representatives.")
    )


@bp.post("/negotiations/<int:negotiation_id>/refuse")
@login_required
def refuse(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "refuse")
    form = RefuseForm(prefix="refuse")
    if not form.validate_on_submit():
        return _render_show(negotiation, 422, refuse_form=form)
    ops.refuse_request(negotiation, current_user, form.reason.data)
    return _done(negotiation, _("You refused the request; the requesting side has been told."))


@bp.post("/negotiations/<int:negotiation_id>/escalate")
@login_required
def escalate(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "escalate")
    ops.escalate(negotiation, current_user)
    return _done(
        negotiation,
        _(
            "Dispute coordination was asked for; it ends on %(due)s.",
            due=due_text(negotiation, "dispute_due"),
        ),
    )


@bp.post("/negotiations/<int:negotiation_id>/withdraw")
@login_required
def withdraw(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "withdraw")
    ops.withdraw(negotiation, current_user)
    return _done(negotiation, _("The request was withdrawn."))


@bp.post("/negotiations/<int:negotiation_id>/start")
@login_required
def start_talks(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "start_talks")
    ops.start_talks(negotiation, current_user)
    return _done(negotiation, _("The talks have started."))


@bp.post("/negotiations/<int:negotiation_id>/suspension")
@login_required
def propose_suspension(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "propose_suspension")
    form = SuspensionForm(prefix="suspend")
    if form.validate_on_submit():
        try:
            ops.propose_suspension(negotiation, current_user, form.resume_on.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _done(
                negotiation, _("You proposed to suspend the talks; the other side confirms.")
            )
    return _render_show(negotiation, 422, suspension_form=form)


@bp.post("/negotiations/<int:negotiation_id>/suspension/confirm")
@login_required
def confirm_suspension(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "suspend")
    ops.confirm_suspension(negotiation, current_user)
    return _done(
        negotiation,
        _("The talks are suspended until %(day)s.", day=negotiation.resume_on.isoformat()),
    )


@bp.post("/negotiations/<int:negotiation_id>/resume")
@login_required
def resume(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "resume")
    ops.resume(negotiation, current_user)
    return _done(negotiation, _("The talks go on."))


@bp.post("/negotiations/<int:negotiation_id>/dispute/extend")
@login_required
def extend_dispute(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "extend_dispute")
    form = ExtensionForm(prefix="extend")
    if not form.validate_on_submit():
        return _render_show(negotiation, 422, extension_form=form)
    ops.extend_dispute(negotiation, current_user, form.days.data)
    return _done(
        negotiation,
        _(
            "The dispute coordination now ends on %(due)s.",
            due=due_text(negotiation, "dispute_due"),
        ),
    )


@bp.post("/negotiations/<int:negotiation_id>/dispute/resolve")
@login_required
def resolve_dispute(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "resolve_dispute")
    ops.resolve_dispute(negotiation, current_user)
    return _done(negotiation, _("The dispute is resolved; the talks go on."))


@bp.post("/negotiations/<int:negotiation_id>/abandon")
@login_required
def abandon(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "abandon")
    form = AbandonForm(prefix="abandon")
    if not form.validate_on_submit():
        return _render_show(negotiation, 422, abandon_form=form)
    ops.abandon(negotiation, current_user, form.reason.data or "")
    return _done(negotiation, _("The negotiation was abandoned."))


@bp.post("/negotiations/<int:negotiation_id>/reopen")
@login_required
def reopen(negotiation_id: int):
    negotiation = _for_trigger(negotiation_id, "reopen")
    ops.reopen(negotiation, current_user)
    return _done(negotiation, _("The talks are open again; both acceptances were withdrawn."))


# --- representatives and the recorder (集体合同规定 Art 19-24, 31, 33) -------------------------


def _render_representatives(negotiation: Negotiation, form, recorder_form, status: int = 200):
    return _render(
        "negotiations/representatives.html",
        status,
        n=negotiation,
        enterprise=negotiation.enterprise,
        form=form,
        recorder_form=recorder_form,
        problems=[translate(p) for p in queries.representative_problems(negotiation)],
        appointing=WORKFLOW.is_open("appoint", negotiation.state),
        my_sides=sides_of(current_user, negotiation),
        may=_may(negotiation),
    )


def _sides_form(negotiation: Negotiation, **kwargs) -> RepresentativeForm:
    sides = [s for s in rules.SIDES if s in sides_of(current_user, negotiation)]
    return RepresentativeForm(sides, **kwargs)


@bp.route("/negotiations/<int:negotiation_id>/representatives", methods=["GET", "POST"])
@login_required
def representatives(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "appoint")
    form = _sides_form(negotiation)
    recorder_form = RecorderForm(prefix="recorder", formdata=None)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return _render_representatives(negotiation, form, recorder_form, status)
    user = None
    if (form.username.data or "").strip():
        user = find_user(form.username.data.strip())
        if user is None:
            form.username.errors = [_("No user is called %(name)s.", name=form.username.data)]
            return _render_representatives(negotiation, form, recorder_form, 422)
    try:
        rep = ops.appoint_representative(
            negotiation,
            current_user,
            side=form.side.data,
            user=user,
            name=form.name.data or "",
            position=form.position.data or "",
            is_chief=form.is_chief.data,
            is_outside_expert=form.is_outside_expert.data,
            delegated_in_writing=form.delegated_in_writing.data,
        )
    except InvalidInput as exc:
        show_errors(form, exc)
        return _render_representatives(negotiation, form, recorder_form, 422)
    flash(
        _(
            "%(name)s represents the %(side)s side.",
            name=rep.name,
            side=_(rules.SIDE_LABELS[rep.side]),
        ),
        "success",
    )
    return redirect(url_for("negotiations.representatives", negotiation_id=negotiation.id))


@bp.post("/representatives/<int:representative_id>/vacate")
@login_required
def vacate_representative(representative_id: int):
    rep = get_representative_or_404(representative_id, current_user)
    require_role(rep.negotiation, current_user, "vacate")
    ops.vacate_representative(rep, current_user)
    flash(
        _(
            "%(name)s has left; refill the seat by %(due)s.",
            name=rep.name,
            due=due_text(rep, "refill_due"),
        ),
        "success",
    )
    return redirect(url_for("negotiations.representatives", negotiation_id=rep.negotiation_id))


@bp.post("/negotiations/<int:negotiation_id>/recorder")
@login_required
def set_recorder(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "set_recorder")
    recorder_form = RecorderForm(prefix="recorder")
    form = _sides_form(negotiation, formdata=None)
    if recorder_form.validate_on_submit():
        user = find_user(recorder_form.username.data.strip())
        if user is None:
            recorder_form.username.errors = [
                _("No user is called %(name)s.", name=recorder_form.username.data)
            ]
        else:
            try:
                ops.set_recorder(negotiation, current_user, user)
            except InvalidInput as exc:
                show_errors(recorder_form, exc)
            else:
                flash(_("%(name)s records the talks.", name=user.full_name), "success")
                return redirect(
                    url_for("negotiations.representatives", negotiation_id=negotiation.id)
                )
    return _render_representatives(negotiation, form, recorder_form, 422)


# --- rounds and minutes (协商会议, 集体合同规定 Art 33, 34) -----------------------------------


@bp.post("/negotiations/<int:negotiation_id>/rounds")
@login_required
def schedule_round(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "schedule_round")
    form = RoundForm(prefix="round")
    if form.validate_on_submit():
        try:
            round_ = ops.schedule_round(
                negotiation, current_user, in_utc(form.held_at.data), form.place.data
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Round %(n)d is scheduled.", n=round_.number), "success")
            return redirect(url_for("negotiations.show_round", round_id=round_.id))
    return _render_show(negotiation, 422, round_form=form)


def _render_round(round_: Round, minutes_form=None, status: int = 200):
    negotiation = round_.negotiation
    columns = {c.grid.id: c for c in queries.comparison(negotiation)}
    return _render(
        "negotiations/round.html",
        status,
        n=negotiation,
        round=round_,
        enterprise=negotiation.enterprise,
        minutes_form=minutes_form or MinutesForm(formdata=None, data={"minutes": round_.minutes}),
        is_recorder=current_user.id == negotiation.recorder_user_id,
        chief_side=_chief_side(negotiation),
        my_sides=sides_of(current_user, negotiation),
        latest=round_.number == len(negotiation.rounds),
        may=_may(negotiation),
        columns=columns,
        acceptances=_acceptances(negotiation, columns.values()),
    )


@bp.get("/rounds/<int:round_id>")
@login_required
def show_round(round_id: int):
    return _render_round(get_round_or_404(round_id, current_user))


@bp.post("/rounds/<int:round_id>/minutes")
@login_required
def write_minutes(round_id: int):
    round_ = get_round_or_404(round_id, current_user)
    if current_user.id != round_.negotiation.recorder_user_id:
        raise NotPermitted(_("Only the recorder writes the minutes (集体合同规定 Art 33)."))
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            ops.write_minutes(round_, current_user, form.minutes.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The minutes are saved; both chiefs confirm them."), "success")
            return redirect(url_for("negotiations.show_round", round_id=round_.id))
    return _render_round(round_, form, 422)


@bp.post("/rounds/<int:round_id>/confirm")
@login_required
def confirm_minutes(round_id: int):
    round_ = get_round_or_404(round_id, current_user)
    ops.confirm_minutes(round_, current_user)
    flash(_("You confirmed the minutes of round %(n)d.", n=round_.number), "success")
    return redirect(url_for("negotiations.show_round", round_id=round_.id))


# --- wage-grid proposals (能级工资表) -----------------------------------------------------------


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


# --- the draft's clauses (协议草案) ----------------------------------------------------------


def _render_draft(
    negotiation: Negotiation,
    status: int = 200,
    clauses_form=None,
    item_forms=None,
    new_item_form=None,
):
    item_forms = {
        item.id: ItemForm(prefix=f"item{item.id}", formdata=None, obj=item)
        for item in negotiation.items
    } | (item_forms or {})
    items = queries.draft_items(negotiation)
    return _render(
        "negotiations/draft.html",
        status,
        n=negotiation,
        enterprise=negotiation.enterprise,
        items=items,
        fixed_items=len(items) - len(negotiation.items),
        may=_may(negotiation),
        clauses_form=clauses_form or ClausesForm(formdata=None, obj=negotiation),
        item_forms=item_forms,
        new_item_form=new_item_form or ItemForm(prefix="new", formdata=None),
    )


@bp.get("/negotiations/<int:negotiation_id>/draft")
@login_required
def draft(negotiation_id: int):
    return _render_draft(get_negotiation_or_404(negotiation_id, current_user))


def _draft_saved(negotiation: Negotiation, message: str):
    flash(message, "success")
    return redirect(url_for("negotiations.draft", negotiation_id=negotiation.id))


@bp.post("/negotiations/<int:negotiation_id>/clauses")
@login_required
def update_clauses(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "edit_clauses")
    form = ClausesForm()
    if form.validate_on_submit():
        try:
            ops.update_clauses(
                negotiation,
                current_user,
                term_years=form.term_years.data,
                adjustment_rule=form.adjustment_rule.data or "",
                pay_day=form.pay_day.data,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _draft_saved(
                negotiation,
                _(
                    "The clauses are saved (revision %(r)d); any acceptance must be given again.",
                    r=negotiation.revision,
                ),
            )
    return _render_draft(negotiation, 422, clauses_form=form)


@bp.post("/negotiations/<int:negotiation_id>/items")
@login_required
def add_item(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    require_role(negotiation, current_user, "edit_clauses")
    form = ItemForm(prefix="new")
    if form.validate_on_submit():
        try:
            ops.add_item(negotiation, current_user, form.title.data, form.text.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _draft_saved(negotiation, _("The item is added."))
    return _render_draft(negotiation, 422, new_item_form=form)


@bp.post("/items/<int:item_id>")
@login_required
def update_item(item_id: int):
    item = get_item_or_404(item_id, current_user)
    negotiation = item.negotiation
    require_role(negotiation, current_user, "edit_clauses")
    form = ItemForm(prefix=f"item{item.id}")
    if form.validate_on_submit():
        try:
            ops.update_item(item, current_user, form.title.data, form.text.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _draft_saved(negotiation, _("The item is saved."))
    return _render_draft(negotiation, 422, item_forms={item.id: form})


@bp.post("/items/<int:item_id>/delete")
@login_required
def remove_item(item_id: int):
    item = get_item_or_404(item_id, current_user)
    negotiation = item.negotiation
    require_role(negotiation, current_user, "edit_clauses")
    ops.remove_item(item, current_user)
    return _draft_saved(negotiation, _("The item is removed; the later items moved up."))
