"""The draft's clauses (协议草案): the term, the adjustment rule and the pay day, and the
numbered items the congress votes on one by one."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.forms import show_errors
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import get_item_or_404, get_negotiation_or_404, require_role
from app.negotiations.forms import ClausesForm, ItemForm
from app.negotiations.models import Negotiation
from app.negotiations.views.common import _may, _render, bp


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
