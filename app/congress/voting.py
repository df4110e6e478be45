"""The congress vote's pages (职代会表决): motions (议案) and their items, the delegate's ballot on
a phone, and the results with their exports.

Each view loads with the access check (404 when not visible) and refuses whoever takes no part
(403) before reading a form, then calls one operation. The ballot page never shows a delegate's
choices once cast: nothing on it proves to a third party how they voted (DESIGN §4).
"""

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.congress import operations as ops
from app.congress.access import get_motion_or_404, get_session_or_404, is_organiser
from app.congress.models import Congress, CongressSession, Entitlement, Motion, Participation
from app.congress.results import motion_results, resolution_pdf, results_workbook
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from app.forms import choices, show_errors
from app.negotiations import operations as negotiation_ops
from app.negotiations.access import get_negotiation_or_404
from app.negotiations.forms import in_utc, local_datetime
from workflows import congress as workflow
from workflows import negotiation as negotiation_workflow

bp = Blueprint("voting", __name__)

# "1. title: text", "2、title：text", "(3) title" — the number is the line's place, not its label.
ITEM_NUMBER = re.compile(r"^\s*(?:\(?\d+[.、)）]|第\s*\d+\s*项)\s*")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- forms ------------------------------------------------------------------------------------
# Kept beside the only views that use them.


class MotionForm(FlaskForm):
    """A motion (议案): a title, its items one a line, and how it is voted."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"))
    items = TextAreaField(
        _l("Items, one a line"),
        validators=[DataRequired()],
        description=_l("“title: text” on each line; a leading number is ignored."),
    )
    ballot_kind = SelectField(
        _l("Ballot"),
        choices=choices([("secret", _l("secret ballot")), ("named", _l("named vote"))]),
        default="secret",
    )
    requires_presence = BooleanField(_l("Only delegates checked in at the session vote"))
    closes_at = local_datetime(_l("Closes automatically at (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closes_at.validators = [Optional()]
        if not self.is_submitted():
            self.requires_presence.data = True

    def item_rows(self) -> list[tuple[str, str]]:
        rows = []
        for line in (self.items.data or "").splitlines():
            line = ITEM_NUMBER.sub("", line).strip()
            if line:
                title, *text = re.split(r"[:：]", line, maxsplit=1)
                rows.append((title.strip()[:200], "".join(text).strip()))
        return rows


class SubmitToCongressForm(FlaskForm):
    """Send the agreed draft to a session of the workers' congress."""

    session_id = SelectField(_l("Session"), coerce=int)
    closes_at = local_datetime(_l("Closes automatically at (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closes_at.validators = [Optional()]


# --- who takes part -----------------------------------------------------------------------------


def _require_organiser(congress: Congress) -> None:
    """403 for anyone but the congress's working body (secretary, union) and the federation."""
    if not is_organiser(current_user, congress):
        raise NotPermitted(_("Only the congress secretary or the union runs the congress."))


def _render(template: str, status: int = 200, **context):
    return render_template(
        template,
        STATE_LABELS=workflow.STATE_LABELS,
        ACTION_LABELS=workflow.ACTION_LABELS,
        ANSWER_LABELS=workflow.ANSWER_LABELS,
        RESULT_LABELS=workflow.RESULT_LABELS,
        ANSWERS=workflow.ANSWERS,
        MOTION_STEPS=workflow.MOTION_STEPS,
        **context,
    ), status


def _motion_page(motion: Motion):
    return redirect(url_for("voting.show", motion_id=motion.id))


# --- motions (议案) -----------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/motions", methods=["GET", "POST"])
@login_required
def new_motion(session_id: int):
    session = get_session_or_404(session_id, current_user)
    _require_organiser(session.congress)
    form = MotionForm()
    if form.validate_on_submit():
        try:
            motion = ops.create_motion(
                session,
                current_user,
                title=form.title.data,
                description=form.description.data or "",
                items=form.item_rows(),
                ballot_kind=form.ballot_kind.data,
                requires_presence=form.requires_presence.data,
                closes_at=in_utc(form.closes_at.data),
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(
                _("The motion is saved as a draft; open the voting when the congress sits."),
                "success",
            )
            return _motion_page(motion)
    return _render(
        "congress/motion_form.html",
        422 if request.method == "POST" else 200,
        form=form,
        session=session,
    )


def _open_sessions(enterprise_id: int) -> list[CongressSession]:
    return list(
        db.session.scalars(
            select(CongressSession)
            .join(Congress)
            .where(
                Congress.enterprise_id == enterprise_id,
                CongressSession.state.not_in(workflow.SESSION_TERMINAL),
            )
            .order_by(CongressSession.scheduled_at)
        )
    )


@bp.route("/negotiations/<int:negotiation_id>/submit-to-congress", methods=["GET", "POST"])
@login_required
def submit_to_congress(negotiation_id: int):
    negotiation = get_negotiation_or_404(negotiation_id, current_user)
    trigger = "submit_to_congress"
    if not negotiation_workflow.ROLES_FOR[trigger] & negotiation_ops.roles_of(
        current_user, negotiation
    ):
        raise NotPermitted(
            _("You may not %(action)s.", action=_(negotiation_workflow.ACTION_LABELS[trigger]))
        )
    sessions = _open_sessions(negotiation.enterprise_id)
    form = SubmitToCongressForm()
    form.session_id.choices = choices((s.id, f"{s.title} · {s.place}") for s in sessions)
    if form.validate_on_submit():
        session = next(s for s in sessions if s.id == form.session_id.data)
        try:
            motion = ops.submit_draft(
                negotiation, session, current_user, closes_at=in_utc(form.closes_at.data)
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is before the workers' congress, one item per clause."), "success")
            return _motion_page(motion)
    return _render(
        "congress/submit_form.html",
        422 if request.method == "POST" else 200,
        form=form,
        n=negotiation,
        sessions=sessions,
    )


@bp.get("/motions/<int:motion_id>")
@login_required
def show(motion_id: int):
    motion = get_motion_or_404(motion_id, current_user)
    congress = motion.session.congress
    organiser = is_organiser(current_user, congress)
    delegate = ops.delegate_of(current_user, congress)
    return _render(
        "congress/motion.html",
        motion=motion,
        session=motion.session,
        congress=congress,
        actions=workflow.allowed_motion_triggers(
            motion.state, {"secretary"} if organiser else set()
        ),
        voted=ops.participation_count(motion) if motion.state != "draft" else None,
        delegate=delegate,
        has_voted=delegate is not None and _has_voted(motion, delegate.id),
    )


def _transition_view(motion_id: int, operation, message: str):
    motion = get_motion_or_404(motion_id, current_user)
    _require_organiser(motion.session.congress)
    operation(motion, current_user)
    flash(message, "success")
    return _motion_page(motion)


@bp.post("/motions/<int:motion_id>/open")
@login_required
def open_motion(motion_id: int):
    return _transition_view(motion_id, ops.open_voting, _("The voting is open."))


@bp.post("/motions/<int:motion_id>/close")
@login_required
def close_motion(motion_id: int):
    return _transition_view(
        motion_id, ops.close_voting, _("The voting is closed, counted and sealed.")
    )


@bp.post("/motions/<int:motion_id>/cancel")
@login_required
def cancel_motion(motion_id: int):
    return _transition_view(motion_id, ops.cancel_motion, _("The motion is cancelled."))


# --- the ballot (选票), on a phone --------------------------------------------------------------


def _has_voted(motion: Motion, delegate_id: int) -> bool:
    return (
        db.session.scalar(
            select(Participation.id).where(
                Participation.motion_id == motion.id, Participation.delegate_id == delegate_id
            )
        )
        is not None
    )


def _refusal(motion: Motion, delegate) -> Exception | None:
    """Why this delegate cannot vote now, in the words `cast_ballot` refuses with; None if
    they can. Checked before the form is read, so a refused vote shows its reason at once."""
    if motion.state == "draft":
        return Conflict(_("The voting on this motion has not opened yet."))
    if motion.state != "open":
        return Conflict(_("Voting on this motion is closed."))
    if _has_voted(motion, delegate.id):
        return Conflict(_("You have voted on this motion already; a vote cannot be changed."))
    entitled = db.session.scalar(
        select(Entitlement.present).where(
            Entitlement.motion_id == motion.id, Entitlement.delegate_id == delegate.id
        )
    )
    if entitled is None:
        return NotPermitted(_("You were not on the roster when the vote opened."))
    if motion.requires_presence and delegate.id not in ops.present_delegate_ids(motion.session):
        return Conflict(_("Check in at the session before voting."))
    return None


def _answers_from_form(motion: Motion) -> tuple[dict[int, str], list[int]]:
    """The answers chosen, and the items left unanswered (in order)."""
    answers: dict[int, str] = {}
    missing: list[int] = []
    for item in motion.items:
        answer = request.form.get(f"item-{item.number}", "")
        if answer in workflow.ANSWERS:
            answers[item.number] = answer
        else:
            missing.append(item.number)
    return answers, missing


@bp.route("/motions/<int:motion_id>/vote", methods=["GET", "POST"])
@login_required
def vote(motion_id: int):
    motion = get_motion_or_404(motion_id, current_user)
    delegate = ops.delegate_of(current_user, motion.session.congress)
    if delegate is None:
        raise NotPermitted(_("Only a delegate of this congress votes."))
    if request.method == "GET" and _has_voted(motion, delegate.id):
        # Recorded — and nothing more: the choices are not shown again, to anyone.
        return _render("congress/vote_recorded.html", motion=motion)
    refusal = _refusal(motion, delegate)
    if refusal is not None:
        raise refusal
    if request.method == "GET":
        return _render("congress/vote.html", motion=motion, answers={}, error=None)
    answers, missing = _answers_from_form(motion)
    step = request.form.get("step", "confirm")
    if step == "change":
        return _render("congress/vote.html", motion=motion, answers=answers, error=None)
    if missing:
        error = _("Answer every item: item %(n)s has no answer.", n=missing[0])
        return _render("congress/vote.html", 422, motion=motion, answers=answers, error=error)
    if step == "cast":
        ops.cast_ballot(motion, current_user, answers)
        flash(_("Your vote is recorded."), "success")
        return redirect(url_for("voting.vote", motion_id=motion.id))
    return _render("congress/vote_confirm.html", motion=motion, answers=answers)


# --- results (表决结果) -------------------------------------------------------------------------


def _closed_motion(motion_id: int) -> Motion:
    motion = get_motion_or_404(motion_id, current_user)
    if motion.state != "closed":
        raise Conflict(
            _(
                "The results are published when the voting is closed; the motion is %(state)s.",
                state=_(workflow.STATE_LABELS[motion.state]),
            )
        )
    return motion


@bp.get("/motions/<int:motion_id>/results")
@login_required
def results(motion_id: int):
    motion = _closed_motion(motion_id)
    return _render("congress/results.html", motion=motion, r=motion_results(motion))


@bp.get("/motions/<int:motion_id>/results.xlsx")
@login_required
def results_xlsx(motion_id: int):
    motion = _closed_motion(motion_id)
    return Response(
        results_workbook(motion_results(motion)),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=motion-{motion.id}-results.xlsx"},
    )


@bp.get("/motions/<int:motion_id>/resolution.pdf")
@login_required
def resolution(motion_id: int):
    motion = _closed_motion(motion_id)
    return Response(
        resolution_pdf(motion),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"inline; filename=motion-{motion.id}-resolution.pdf"},
    )
