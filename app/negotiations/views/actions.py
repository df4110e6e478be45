"""The workflow's triggers fired from the negotiation page (send, accept, refuse, escalate,
suspend, …): each a POST that checks the role before reading a form, calls one operation and
returns to the page; a form that does not validate shows the page again (422)."""

from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.deadlines import due_text
from app.errors import InvalidInput
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations.access import get_negotiation_or_404, require_role
from app.negotiations.forms import (
    AbandonForm,
    AcceptForm,
    ExtensionForm,
    RefuseForm,
    SuspensionForm,
)
from app.negotiations.models import Negotiation
from app.negotiations.views.common import _done, bp
from app.negotiations.views.overview import _render_show


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
