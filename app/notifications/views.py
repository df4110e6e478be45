"""The inbox page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.notifications.operations import inbox as load_inbox
from app.notifications.operations import mark_read, render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def inbox():
    return render_template(
        "notifications/inbox.html", notifications=load_inbox(current_user), render=render
    )


@bp.post("/read")
@login_required
def read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    count = mark_read(current_user, ids)
    flash(
        ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count),
        "success",
    )
    return redirect(url_for("notifications.inbox"))
