"""The congress pages (职工代表大会): the congress and its roster, sessions, check-in (签到) and the
venue screen; the vote (职代会表决): motions (议案) and their items, the delegate's ballot on a
phone, and the results with their exports.

Each view loads with the access check (404 when not visible), refuses anyone who takes no part
(403) before reading a form, calls one operation and redirects. The actions offered on a session
or a motion come from the machine (`workflow.allowed_session_triggers`,
`workflow.allowed_motion_triggers`). The ballot page never shows a delegate's choices once cast:
nothing on it proves to a third party how they voted (DESIGN §4).
"""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from qrcode import make as make_qr
from qrcode.image.svg import SvgPathImage
from sqlalchemy import select

from app.congress import operations as ops
from app.congress import roster
from app.congress.access import (
    failed_check_ins,
    get_congress_or_404,
    get_delegate_or_404,
    get_motion_or_404,
    get_session_or_404,
    is_organiser,
    not_a_delegate,
    require_organiser,
    roles_of,
    runs_congress,
)
from app.congress.forms import (
    AttendanceForm,
    CheckInForm,
    CongressForm,
    DelegateForm,
    MotionForm,
    RosterForm,
    SessionForm,
    SubmitToCongressForm,
)
from app.congress.models import (
    Attendance,
    Congress,
    CongressSession,
    Motion,
    Participation,
)
from app.congress.results import motion_results, resolution_pdf, results_workbook
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.forms import choices, show_errors
from app.negotiations.access import get_negotiation_or_404, require_role
from app.negotiations.forms import in_utc
from app.orgs.access import get_enterprise_work_or_404
from app.stepper import stepper
from workflows import congress as workflow
from workflows.congress import MotionState

bp = Blueprint("congress", __name__)

# The actions this blueprint has a button for; the machine decides when each is shown.
SESSION_ACTIONS = {
    "open_session": "congress.open_session",
    "adjourn": "congress.adjourn_session",
    "cancel_session": "congress.cancel_session",
}
MOTION_ACTIONS = {
    "open_voting": "congress.open_motion",
    "close_voting": "congress.close_motion",
    "cancel_motion": "congress.cancel_motion",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render(template: str, status: int = 200, **context):
    return render_template(
        template,
        STATE_LABELS=workflow.STATE_LABELS,
        ACTION_LABELS=workflow.ACTION_LABELS,
        ANSWER_LABELS=workflow.ANSWER_LABELS,
        RESULT_LABELS=workflow.RESULT_LABELS,
        ANSWERS=workflow.ANSWERS,
        **context,
    ), status


def _require_organiser(congress: Congress) -> None:
    """403 for anyone but the congress's working body (secretary, union) and the federation."""
    require_organiser(current_user, congress.enterprise_id)


# --- the congress and its roster ----------------------------------------------------------------


def _congress_page(enterprise, congress: Congress | None, status: int = 200, **forms):
    organiser = runs_congress(current_user, enterprise.id)
    delegates = congress.delegates if congress else []
    active = [d for d in delegates if d.active]
    return _render(
        "congress/show.html",
        status,
        enterprise=enterprise,
        congress=congress,
        organiser=organiser,
        delegates=delegates,
        active_count=len(active),
        manager_count=sum(1 for d in active if d.is_manager),
        female_count=sum(1 for d in active if d.gender == "female"),
        warnings=ops.roster_warnings(congress) if congress else [],
        congress_form=forms.get("congress_form") or CongressForm(formdata=None),
        delegate_form=forms.get("delegate_form") or DelegateForm(formdata=None),
        roster_form=forms.get("roster_form") or RosterForm(formdata=None),
        session_form=forms.get("session_form") or SessionForm(formdata=None),
        failures=forms.get("failures") or {},
    )


@bp.get("/enterprises/<int:enterprise_id>/congress")
@login_required
def show(enterprise_id: int):
    enterprise = get_enterprise_work_or_404(enterprise_id, current_user)
    return _congress_page(enterprise, ops.current_congress(enterprise))


@bp.post("/enterprises/<int:enterprise_id>/congress")
@login_required
def create(enterprise_id: int):
    enterprise = get_enterprise_work_or_404(enterprise_id, current_user)
    require_organiser(current_user, enterprise.id)
    form = CongressForm()
    if form.validate_on_submit():
        try:
            ops.create_congress(
                enterprise, current_user, form.name.data, form.term_start.data, form.term_end.data
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The congress is set up; now add its delegates."), "success")
            return redirect(url_for("congress.show", enterprise_id=enterprise.id))
    return _congress_page(enterprise, ops.current_congress(enterprise), 422, congress_form=form)


def _back_to(congress: Congress):
    return redirect(url_for("congress.show", enterprise_id=congress.enterprise_id) + "#roster")


@bp.post("/congresses/<int:congress_id>/delegates")
@login_required
def add_delegate(congress_id: int):
    congress = get_congress_or_404(congress_id, current_user)
    _require_organiser(congress)
    form = DelegateForm()
    if form.validate_on_submit():
        try:
            delegate = ops.add_delegate(congress, current_user, **form.values())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("%(name)s is on the roster.", name=delegate.name), "success")
            return _back_to(congress)
    return _congress_page(congress.enterprise, congress, 422, delegate_form=form)


@bp.post("/delegates/<int:delegate_id>/deactivate")
@login_required
def deactivate_delegate(delegate_id: int):
    delegate = get_delegate_or_404(delegate_id, current_user)
    _require_organiser(delegate.congress)
    ops.deactivate_delegate(delegate, current_user)
    flash(_("%(name)s is no longer on the active roster.", name=delegate.name), "success")
    return _back_to(delegate.congress)


@bp.post("/delegates/<int:delegate_id>/reactivate")
@login_required
def reactivate_delegate(delegate_id: int):
    delegate = get_delegate_or_404(delegate_id, current_user)
    _require_organiser(delegate.congress)
    ops.reactivate_delegate(delegate, current_user)
    flash(_("%(name)s is back on the active roster.", name=delegate.name), "success")
    return _back_to(delegate.congress)


@bp.post("/congresses/<int:congress_id>/roster")
@login_required
def import_roster(congress_id: int):
    congress = get_congress_or_404(congress_id, current_user)
    _require_organiser(congress)
    form = RosterForm()
    failures = {}
    if form.validate_on_submit():
        try:
            report = ops.import_roster(congress, current_user, roster.read_roster(form.file.data))
        except roster.RosterRejected as exc:
            failures = exc.failures
            flash(exc.message, "error")
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(
                ngettext(
                    "%(num)d delegate imported.", "%(num)d delegates imported.", report.imported
                ),
                "success",
            )
            return _back_to(congress)
    return _congress_page(congress.enterprise, congress, 422, roster_form=form, failures=failures)


@bp.get("/congresses/<int:congress_id>/roster-template.xlsx")
@login_required
def roster_template(congress_id: int):
    get_congress_or_404(congress_id, current_user)
    return Response(
        roster.template_xlsx(),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=roster-template.xlsx"},
    )


# --- sessions -----------------------------------------------------------------------------------


@bp.post("/congresses/<int:congress_id>/sessions")
@login_required
def schedule_session(congress_id: int):
    congress = get_congress_or_404(congress_id, current_user)
    _require_organiser(congress)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = ops.schedule_session(
                congress,
                current_user,
                form.kind.data,
                form.title.data,
                form.agenda.data,
                in_utc(form.scheduled_at.data),
                form.place.data,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The session is scheduled."), "success")
            return redirect(url_for("congress.show_session", session_id=session.id))
    return _congress_page(congress.enterprise, congress, 422, session_form=form)


def _checkin_url(session: CongressSession) -> str:
    return url_for(
        "congress.check_in", session_id=session.id, code=session.checkin_code, _external=True
    )


def _attendance(session: CongressSession) -> dict:
    present, total, needed = ops.attendance_of(session)
    return {"present": present, "total": total, "needed": needed}


@bp.get("/sessions/<int:session_id>")
@login_required
def show_session(session_id: int):
    session = get_session_or_404(session_id, current_user)
    congress = session.congress
    organiser = is_organiser(current_user, congress)
    roles = roles_of(current_user, congress.enterprise_id)
    actions = [
        t
        for t in workflow.SESSION_WORKFLOW.allowed_triggers(session.state, roles)
        if t in SESSION_ACTIONS
    ]
    checked_in = []
    attendance_form = None
    if organiser:
        checked_in = db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id)
            .order_by(Attendance.checked_in_at)
        ).all()
        present = {a.delegate_id for a in checked_in}
        attendance_form = AttendanceForm(formdata=None)
        attendance_form.delegate_id.choices = [
            (d.id, f"{d.name} · {d.employee_no}")
            for d in congress.active_delegates
            if d.id not in present
        ]
    delegate = ops.delegate_of(current_user, congress)
    if delegate is not None:
        roles = roles | {"delegate"}
    return _render(
        "congress/session.html",
        may={
            action: workflow.SESSION_WORKFLOW.permits(action, session.state, roles)
            for action in workflow.SESSION_WORKFLOW.activities
        },
        attendance_open=workflow.SESSION_WORKFLOW.is_open("record_attendance", session.state),
        session=session,
        congress=congress,
        organiser=organiser,
        actions=actions,
        SESSION_ACTIONS=SESSION_ACTIONS,
        checked_in=checked_in,
        attendance_form=attendance_form,
        delegate=delegate,
        delegate_present=delegate is not None and delegate.id in ops.present_delegate_ids(session),
        attendance=_attendance(session),
        steps=stepper(workflow.SESSION_STEPS, session.state),
    )


def _session_for_organiser(session_id: int) -> CongressSession:
    session = get_session_or_404(session_id, current_user)
    _require_organiser(session.congress)
    return session


@bp.post("/sessions/<int:session_id>/open")
@login_required
def open_session(session_id: int):
    session = _session_for_organiser(session_id)
    ops.open_session(session, current_user)
    flash(_("The session is open."), "success")
    return redirect(url_for("congress.show_session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/adjourn")
@login_required
def adjourn_session(session_id: int):
    session = _session_for_organiser(session_id)
    ops.adjourn_session(session, current_user)
    flash(_("The session is adjourned."), "success")
    return redirect(url_for("congress.show_session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel_session(session_id: int):
    session = _session_for_organiser(session_id)
    ops.cancel_session(session, current_user)
    flash(_("The session is cancelled."), "success")
    return redirect(url_for("congress.show_session", session_id=session.id))


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@login_required
@failed_check_ins  # shared with the API
def check_in(session_id: int):
    """A delegate checks in on their phone with the code on the venue screen."""
    session = get_session_or_404(session_id, current_user)
    delegate = ops.delegate_of(current_user, session.congress)
    if delegate is None:
        raise not_a_delegate("check_in")
    present = delegate.id in ops.present_delegate_ids(session)
    form = CheckInForm(code=request.args.get("code", ""))
    if not present and form.validate_on_submit():
        try:
            ops.check_in(session, current_user, code=form.code.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("You are checked in."), "success")
            return redirect(url_for("congress.check_in", session_id=session.id))
    failed = request.method == "POST" and not present
    return _render(
        "congress/check_in.html",
        422 if failed else 200,
        session=session,
        delegate=delegate,
        present=present,
        form=form,
    )


@bp.post("/sessions/<int:session_id>/attendance")
@login_required
def record_attendance(session_id: int):
    """The secretary checks in a delegate who cannot check in themselves."""
    session = _session_for_organiser(session_id)
    form = AttendanceForm()
    form.delegate_id.choices = [(d.id, d.name) for d in session.congress.active_delegates]
    if not form.validate_on_submit():
        raise InvalidInput("delegate_id", _("Choose a delegate of this congress."))
    delegate = get_delegate_or_404(form.delegate_id.data, current_user)
    ops.check_in(session, current_user, delegate=delegate)
    flash(_("%(name)s is checked in.", name=delegate.name), "success")
    return redirect(url_for("congress.show_session", session_id=session.id) + "#attendance")


@bp.get("/sessions/<int:session_id>/qr.svg")
@login_required
def qr(session_id: int):
    """The QR code of the check-in page with the session's code, for the venue screen."""
    session = _session_for_organiser(session_id)
    image = make_qr(_checkin_url(session), image_factory=SvgPathImage, border=2)
    return Response(image.to_string(), mimetype="image/svg+xml")


@bp.get("/sessions/<int:session_id>/screen")
@login_required
def screen(session_id: int):
    """The venue screen: the code, the QR code and the count, refreshed every ten seconds (a meta
    refresh: the content security policy allows no inline script)."""
    session = _session_for_organiser(session_id)
    return _render(
        "congress/screen.html",
        session=session,
        congress=session.congress,
        attendance=_attendance(session),
        checkin_url=_checkin_url(session),
    )


# --- motions (议案) -----------------------------------------------------------------------------


def _motion_page(motion: Motion):
    return redirect(url_for("congress.show_motion", motion_id=motion.id))


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
    require_role(negotiation, current_user, "submit_to_congress")
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
def show_motion(motion_id: int):
    motion = get_motion_or_404(motion_id, current_user)
    congress = motion.session.congress
    delegate = ops.delegate_of(current_user, congress)
    return _render(
        "congress/motion.html",
        motion=motion,
        session=motion.session,
        congress=congress,
        actions=[
            t
            for t in workflow.MOTION_WORKFLOW.allowed_triggers(
                motion.state, roles_of(current_user, congress.enterprise_id)
            )
            if t in MOTION_ACTIONS
        ],
        MOTION_ACTIONS=MOTION_ACTIONS,
        steps=stepper(workflow.MOTION_STEPS, motion.state),
        voted=ops.participation_count(motion) if motion.state != MotionState.DRAFT else None,
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
    they can. Checked before the form is read, so a refused vote shows its reason at once. One
    query for the standing, whatever the size of the roster."""
    refusal = ops.vote_refusal(motion, ops.voter_standing(motion, current_user))
    if refusal is None and _has_voted(motion, delegate.id):
        return Conflict(_("You have voted on this motion already; a vote cannot be changed."))
    return refusal


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
        raise not_a_delegate("vote")
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
        return redirect(url_for("congress.vote", motion_id=motion.id))
    return _render("congress/vote_confirm.html", motion=motion, answers=answers)


# --- results (表决结果) -------------------------------------------------------------------------


def _closed_motion(motion_id: int) -> Motion:
    motion = get_motion_or_404(motion_id, current_user)
    if motion.state != MotionState.CLOSED:
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
