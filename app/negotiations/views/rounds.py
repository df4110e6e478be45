"""Rounds of talks and their minutes (协商会议; 集体合同规定 Art 33, 34)."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import (
    get_negotiation_or_404,
    get_round_or_404,
    require_role,
    roles_of,
    sides_of,
)
from app.negotiations.forms import MinutesForm, RoundForm, in_utc
from app.negotiations.models import Negotiation, Round
from app.negotiations.views.common import _acceptances, _may, _render, bp
from app.negotiations.views.overview import _render_show
from workflows import rules


def _chief_side(negotiation: Negotiation) -> str | None:
    roles = roles_of(current_user, negotiation)
    return next((side for side in rules.SIDES if f"{side}_chief" in roles), None)


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
    require_role(round_.negotiation, current_user, "write_minutes")
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
