"""Representatives and the recorder (协商代表, 记录员; 集体合同规定 Art 19-24, 31, 33)."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.operations import find_user
from app.deadlines import due_text
from app.errors import InvalidInput, translate
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import (
    get_negotiation_or_404,
    get_representative_or_404,
    require_role,
    sides_of,
)
from app.negotiations.forms import RecorderForm, RepresentativeForm
from app.negotiations.models import Negotiation
from app.negotiations.views.common import _may, _render, bp
from workflows import rules
from workflows.negotiation import WORKFLOW


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
