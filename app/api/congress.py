"""API: the workers' congress (职工代表大会) — the congress and its roster, sessions and
check-in (签到), motions (议案), the ballot (选票) and the results (表决结果).

Each handler loads what its path names (404 when it is missing or not visible) and checks who
acts (403) before the body is validated, then calls one operation; the request commits once.
"""

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from app.api.common import Blueprint, error_responses, loader
from app.congress import operations as ops
from app.congress import roster
from app.congress.access import (
    failed_check_ins,
    get_congress_or_404,
    get_delegate_or_404,
    get_motion_or_404,
    get_session_or_404,
    not_a_delegate,
    require_organiser,
)
from app.congress.models import CongressSession, Motion
from app.congress.results import motion_results
from app.congress.schemas import (
    AttendanceCreateSchema,
    AttendanceSchema,
    BallotCreateSchema,
    CheckInSchema,
    CongressCreateSchema,
    CongressSchema,
    DelegateCreateSchema,
    DelegateSchema,
    MotionCreateSchema,
    MotionSchema,
    RecordedSchema,
    ResultsSchema,
    RosterReportSchema,
    RosterUploadSchema,
    SessionCreateSchema,
    SessionSchema,
    SubmitToCongressSchema,
)
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.negotiations.access import get_negotiation_or_404, require_role
from app.orgs.access import get_enterprise_work_or_404
from workflows import congress as workflow
from workflows.congress import MotionState

blp = Blueprint(
    "api_congress", __name__, description="Workers' congress: roster, sessions and check-in"
)


with_enterprise = loader("enterprise_id", "enterprise", get_enterprise_work_or_404)
with_congress = loader("congress_id", "congress", get_congress_or_404)
with_session = loader("session_id", "session", get_session_or_404, lambda s: s.congress)
with_delegate = loader("delegate_id", "delegate", get_delegate_or_404, lambda d: d.congress)


def organiser(congress) -> None:
    """The congress's working body (secretary and union) runs it; the federation may too."""
    require_organiser(current_user, congress.enterprise_id)


def enterprise_organiser(enterprise) -> None:
    require_organiser(current_user, enterprise.id)


fails_with = error_responses(blp)


# --- the congress and its roster ----------------------------------------------------------------


@blp.get("/enterprises/<int:enterprise_id>/congress")
@with_enterprise()
@fails_with(404)
@blp.response(200, CongressSchema)
def get_enterprise_congress(enterprise):
    """The enterprise's congress of the latest term."""
    congress = ops.current_congress(enterprise)
    if congress is None:
        abort(404, message=_("This enterprise has no workers' congress yet."))
    return congress


@blp.post("/enterprises/<int:enterprise_id>/congress")
@with_enterprise(enterprise_organiser)
@fails_with(403, 404, 409)
@blp.arguments(CongressCreateSchema)
@blp.response(201, CongressSchema)
def create_congress(data, enterprise):
    return ops.create_congress(
        enterprise, current_user, data["name"], data["term_start"], data["term_end"]
    )


@blp.get("/congresses/<int:congress_id>")
@with_congress()
@fails_with(404)
@blp.response(200, CongressSchema)
def get_congress(congress):
    return congress


@blp.get("/congresses/<int:congress_id>/delegates")
@with_congress()
@fails_with(404)
@blp.response(200, DelegateSchema(many=True))
def list_delegates(congress):
    """The roster, deactivated delegates included."""
    return congress.delegates


@blp.post("/congresses/<int:congress_id>/delegates")
@with_congress(organiser)
@fails_with(403, 404)
@blp.arguments(DelegateCreateSchema)
@blp.response(201, DelegateSchema)
def add_delegate(data, congress):
    """Put a member of the enterprise on the roster; they get the delegate role if they lack it."""
    return ops.add_delegate(congress, current_user, **data)


@blp.post("/congresses/<int:congress_id>/roster")
@with_congress(organiser)
@fails_with(403, 404)
@blp.arguments(RosterUploadSchema, location="files")
@blp.response(201, RosterReportSchema)
def import_roster(files, congress):
    """Import a roster file, all or none: a failing row answers 422 with `rows.<n>` details."""
    return ops.import_roster(congress, current_user, roster.read_roster(files["file"]))


@blp.post("/delegates/<int:delegate_id>/deactivate")
@with_delegate(organiser)
@fails_with(403, 404, 409)
@blp.response(200, DelegateSchema)
def deactivate_delegate(delegate):
    ops.deactivate_delegate(delegate, current_user)
    return delegate


@blp.post("/delegates/<int:delegate_id>/reactivate")
@with_delegate(organiser)
@fails_with(403, 404, 409)
@blp.response(200, DelegateSchema)
def reactivate_delegate(delegate):
    """Put a deactivated delegate back on the active roster (恢复代表资格)."""
    ops.reactivate_delegate(delegate, current_user)
    return delegate


# --- sessions and check-in ----------------------------------------------------------------------


@blp.post("/congresses/<int:congress_id>/sessions")
@with_congress(organiser)
@fails_with(403, 404)
@blp.arguments(SessionCreateSchema)
@blp.response(201, SessionSchema)
def schedule_session(data, congress):
    return ops.schedule_session(
        congress,
        current_user,
        data["kind"],
        data["title"],
        data["agenda"],
        data["scheduled_at"],
        data["place"],
    )


@blp.get("/sessions/<int:session_id>")
@with_session()
@fails_with(404)
@blp.response(200, SessionSchema)
def get_session(session):
    """The session, its attendance against the quorum; the check-in code only for organisers."""
    return session


@blp.post("/sessions/<int:session_id>/open")
@with_session(organiser)
@fails_with(403, 404, 409)
@blp.response(200, SessionSchema)
def open_session(session):
    ops.open_session(session, current_user)
    return session


@blp.post("/sessions/<int:session_id>/adjourn")
@with_session(organiser)
@fails_with(403, 404, 409)
@blp.response(200, SessionSchema)
def adjourn_session(session):
    """Adjourn; refused while a motion is still open for voting."""
    ops.adjourn_session(session, current_user)
    return session


@blp.post("/sessions/<int:session_id>/cancel")
@with_session(organiser)
@fails_with(403, 404, 409)
@blp.response(200, SessionSchema)
def cancel_session(session):
    """Cancel a sitting that has not opened; refused while a motion of it is still a draft."""
    ops.cancel_session(session, current_user)
    return session


def delegate(congress) -> None:
    if ops.delegate_of(current_user, congress) is None:
        raise not_a_delegate("check_in")


@blp.post("/sessions/<int:session_id>/check-in")
@with_session(delegate)
@failed_check_ins  # shared with the check-in page
@fails_with(403, 404, 409, 429)
@blp.arguments(CheckInSchema)
@blp.response(201, AttendanceSchema)
def check_in(data, session):
    """A delegate checks in with the session's code; a second check-in is a 409."""
    return ops.check_in(session, current_user, code=data["code"])


@blp.post("/sessions/<int:session_id>/attendance")
@with_session(organiser)
@fails_with(403, 404, 409)
@blp.arguments(AttendanceCreateSchema)
@blp.response(201, AttendanceSchema)
def record_attendance(data, session):
    """The secretary checks in a delegate who cannot check in themselves."""
    return ops.check_in(
        session, current_user, delegate=get_delegate_or_404(data["delegate_id"], current_user)
    )


# --- motions and votes --------------------------------------------------------------------------


with_motion = loader("motion_id", "motion", get_motion_or_404, lambda m: m.session.congress)


def get_motion_to_vote_or_404(motion_id: int, user) -> Motion:
    """The motion for a ballot, read with the voter's standing under its lock (one query). The
    standing tells whether they are a delegate of its congress; only someone who is not needs
    the check of get_motion_or_404 (app.api.congress.voter)."""
    motion = ops.motion_to_vote(motion_id, user)
    if motion is None:
        abort(404)
    return motion


# The voter's check reads their standing on the motion itself (under its lock, once).
with_motion_to_vote = loader("motion_id", "motion", get_motion_to_vote_or_404)
with_negotiation = loader("negotiation_id", "negotiation", get_negotiation_or_404)


def voter(motion) -> None:
    """A delegate of the motion's congress; anyone else who sees the enterprise gets a 403, the
    rest the 404 get_motion_or_404 would give."""
    if ops.voter_standing(motion, current_user).delegate_id is None:
        if not motion.can_view(current_user):
            abort(404)
        raise not_a_delegate("vote")


def may_submit_draft(negotiation) -> None:
    """The union or the secretary sends the agreed draft to the congress (集体合同规定 Art 36)."""
    require_role(negotiation, current_user, "submit_to_congress")


@blp.post("/sessions/<int:session_id>/motions")
@with_session(organiser)
@fails_with(403, 404, 409)
@blp.arguments(MotionCreateSchema)
@blp.response(201, MotionSchema)
def create_motion(data, session):
    """A motion (议案) with its items, as a draft."""
    return ops.create_motion(
        session,
        current_user,
        title=data["title"],
        description=data["description"],
        items=[(item["title"], item["text"]) for item in data["items"]],
        ballot_kind=data["ballot_kind"],
        requires_presence=data["requires_presence"],
        closes_at=data["closes_at"],
    )


@blp.post("/negotiations/<int:negotiation_id>/submit-to-congress")
@with_negotiation(may_submit_draft)
@fails_with(403, 404, 409)
@blp.arguments(SubmitToCongressSchema)
@blp.response(201, MotionSchema)
def submit_draft_to_congress(data, negotiation):
    """The agreed draft becomes a secret-ballot motion of the session, one item per clause."""
    session = db.session.get(CongressSession, data["session_id"])
    if session is None or not session.congress.can_view(current_user):
        raise InvalidInput("session_id", _("There is no such session of the workers' congress."))
    return ops.submit_draft(negotiation, session, current_user, closes_at=data["closes_at"])


@blp.get("/motions/<int:motion_id>")
@with_motion()
@fails_with(404)
@blp.response(200, MotionSchema)
def get_motion(motion):
    """The motion, its items and how many voted so far (counts only)."""
    return motion


@blp.post("/motions/<int:motion_id>/open")
@with_motion(organiser)
@fails_with(403, 404, 409)
@blp.response(200, MotionSchema)
def open_voting(motion):
    """Open the vote; refused without quorum (集体合同规定 Art 36)."""
    ops.open_voting(motion, current_user)
    return motion


@blp.post("/motions/<int:motion_id>/close")
@with_motion(organiser)
@fails_with(403, 404, 409)
@blp.response(200, MotionSchema)
def close_voting(motion):
    """Close, count and seal the vote; a draft's result goes to its negotiation."""
    ops.close_voting(motion, current_user)
    return motion


@blp.post("/motions/<int:motion_id>/cancel")
@with_motion(organiser)
@fails_with(403, 404, 409)
@blp.response(200, MotionSchema)
def cancel_motion(motion):
    ops.cancel_motion(motion, current_user)
    return motion


@blp.post("/motions/<int:motion_id>/ballot")
@with_motion_to_vote(voter)
@fails_with(403, 404, 409)
@blp.arguments(BallotCreateSchema)
@blp.response(201, RecordedSchema)
def cast_ballot(data, motion):
    """Vote on every item at once; counted whole or refused whole, and never changed."""
    answers = {}
    for number, answer in data["answers"].items():
        if not number.isdigit():
            raise InvalidInput("answers", _("There is no item %(n)s on this motion.", n=number))
        answers[int(number)] = answer
    ops.cast_ballot(motion, current_user, answers)
    return {"recorded": True}


@blp.get("/motions/<int:motion_id>/results")
@with_motion()
@fails_with(404, 409)
@blp.response(200, ResultsSchema)
def get_results(motion):
    """The counts item by item, the turnout, the rule in words and the seal, once closed."""
    if motion.state != MotionState.CLOSED:
        raise Conflict(
            _(
                "The results are published when the voting is closed; the motion is %(state)s.",
                state=_(workflow.STATE_LABELS[motion.state]),
            )
        )
    return motion_results(motion)
