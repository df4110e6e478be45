"""The written request (要约书): opening a negotiation with it, and editing it while a draft."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations.access import get_negotiation_or_404, require_enterprise_side, require_role
from app.negotiations.forms import RequestForm
from app.negotiations.views.common import _render, bp
from app.orgs.access import get_enterprise_or_404


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
