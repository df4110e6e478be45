"""The congress pages (职工代表大会): the congress and its roster, sessions, check-in (签到) and the
venue screen.

Each view loads with the access check (404 when not visible), refuses anyone who does not run
the congress (403) before reading a form, calls one operation and redirects. The session's
actions come from the machine (`workflow.allowed_session_triggers`).
"""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from qrcode import make as make_qr
from qrcode.image.svg import SvgPathImage
from sqlalchemy import select

from app.auth.models import Role
from app.congress import operations as ops
from app.congress import roster
from app.congress.access import (
    get_congress_or_404,
    get_delegate_or_404,
    get_session_or_404,
    is_organiser,
)
from app.congress.forms import (
    AttendanceForm,
    CheckInForm,
    CongressForm,
    DelegateForm,
    RosterForm,
    SessionForm,
)
from app.congress.models import Attendance, Congress, CongressSession
from app.errors import InvalidInput, NotPermitted
from app.extensions import db
from app.forms import show_errors
from app.negotiations.forms import in_utc
from app.orgs.access import get_enterprise_or_404
from workflows import congress as workflow

bp = Blueprint("congress", __name__)

# The session actions this blueprint has a button for; the machine decides when each is shown.
SESSION_ACTIONS = {"open_session": "congress.open_session", "adjourn": "congress.adjourn_session"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render(template: str, status: int = 200, **context):
    return render_template(
        template,
        STATE_LABELS=workflow.STATE_LABELS,
        ACTION_LABELS=workflow.ACTION_LABELS,
        **context,
    ), status


def _require_organiser(congress: Congress) -> None:
    if not is_organiser(current_user, congress):
        raise NotPermitted(_("Only the congress secretary or the union runs the congress."))


# --- the congress and its roster ----------------------------------------------------------------


def _congress_page(enterprise, congress: Congress | None, status: int = 200, **forms):
    organiser = current_user.is_federation_admin or current_user.has_role(
        enterprise.id, *ops.ORGANISERS
    )
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
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    return _congress_page(enterprise, ops.current_congress(enterprise))


@bp.post("/enterprises/<int:enterprise_id>/congress")
@login_required
def create(enterprise_id: int):
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    if not (
        current_user.is_federation_admin
        or current_user.has_role(enterprise.id, Role.CONGRESS_SECRETARY, Role.UNION_REP)
    ):
        raise NotPermitted(_("Only the congress secretary or the union runs the congress."))
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
    actions = [
        t
        for t in workflow.allowed_session_triggers(
            session.state, {"secretary"} if organiser else set()
        )
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
    return _render(
        "congress/session.html",
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
        steps=workflow.SESSION_STEPS,
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


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@login_required
def check_in(session_id: int):
    """A delegate checks in on their phone with the code on the venue screen."""
    session = get_session_or_404(session_id, current_user)
    delegate = ops.delegate_of(current_user, session.congress)
    if delegate is None:
        raise NotPermitted(_("Only a delegate of this congress checks in."))
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
