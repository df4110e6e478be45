"""Loading the congress and its parts with the access check: 404 when not found or not
visible (the enterprise is not the user's), so nothing leaks about other enterprises."""

from functools import cache

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.auth.models import Role, User
from app.congress.models import Congress, CongressSession, Delegate, Motion
from app.errors import NotPermitted
from app.extensions import db, limiter
from workflows import congress as workflow

# The congress's working body (职代会工作机构): its secretary and the union run it.
ORGANISERS = (Role.CONGRESS_SECRETARY, Role.UNION_REP)


def runs_congress(user: User, enterprise_id: int) -> bool:
    """The congress's working body runs the enterprise's congress; the federation may too."""
    return user.is_federation_admin or user.has_role(enterprise_id, *ORGANISERS)


def is_organiser(user: User, congress: Congress) -> bool:
    return runs_congress(user, congress.enterprise_id)


def require_organiser(user: User | None, enterprise_id: int) -> None:
    """403 for anyone but the working body and the federation; the system may act."""
    if user is not None and not runs_congress(user, enterprise_id):
        raise NotPermitted(_(workflow.ORGANISERS_ONLY))


def not_a_delegate(action: str) -> NotPermitted:
    """The refusal of `action` ("check_in", "vote") to someone who is no delegate of the
    congress, in the workflow's words."""
    session, motion = workflow.SESSION_WORKFLOW, workflow.MOTION_WORKFLOW
    activity = (session if action in session else motion).activities[action]
    return NotPermitted(_(activity.refusal))


def roles_of(user: User | None, enterprise_id: int) -> set[str]:
    """The workflow roles of `user` on the enterprise's sittings and motions: "secretary" for
    the working body and the federation; the system (no user) is "system". Whether they are a
    delegate is their standing on a motion (operations.voter_standing)."""
    if user is None:
        return {"system"}
    return {"secretary"} if runs_congress(user, enterprise_id) else set()


def get_congress_or_404(congress_id: int, user) -> Congress:
    congress = db.session.get(Congress, congress_id)
    if congress is None or not congress.can_view(user):
        abort(404)
    return congress


def get_session_or_404(session_id: int, user) -> CongressSession:
    session = db.session.get(CongressSession, session_id)
    if session is None or not session.congress.can_view(user):
        abort(404)
    return session


def get_delegate_or_404(delegate_id: int, user) -> Delegate:
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or not delegate.congress.can_view(user):
        abort(404)
    return delegate


@cache
def _motion_with_enterprise() -> Select:
    """A motion with its sitting, congress and enterprise in one query, built once: every vote
    loads it."""
    return (
        select(Motion)
        .where(Motion.id == bindparam("motion_id"))
        .options(
            joinedload(Motion.session)
            .joinedload(CongressSession.congress)
            .joinedload(Congress.enterprise)
        )
    )


def get_motion_or_404(motion_id: int, user) -> Motion:
    """A motion (议案), visible to whoever sees its congress's enterprise."""
    motion = db.session.scalar(_motion_with_enterprise(), {"motion_id": motion_id})
    if motion is None or not motion.can_view(user):
        abort(404)
    return motion


# Failed check-ins (422: a wrong code, or a malformed one), on the page and through the API
# alike: six digits fall to a few thousand guesses. A person has a small budget
# (CHECK_IN_RATE_LIMIT) and the sitting a larger one (CHECK_IN_SESSION_RATE_LIMIT), so many
# accounts guessing together are stopped too; the secretary can still check anyone in.
def _refused(response) -> bool:
    return response.status_code == 422


_failed_check_ins_by_person = limiter.shared_limit(
    lambda: current_app.config["CHECK_IN_RATE_LIMIT"],
    scope="check-in-person",
    key_func=lambda: f"delegate|{current_user.id}",  # not get_id(): signing out changes that
    methods=["POST"],
    deduct_when=_refused,
    error_message=lambda: _(
        "Too many wrong check-in codes. For your security, check-in is locked for a while; "
        "try again later or ask the secretary to check you in."
    ),
)
_failed_check_ins_by_session = limiter.shared_limit(
    lambda: current_app.config["CHECK_IN_SESSION_RATE_LIMIT"],
    scope="check-in-session",
    key_func=lambda: f"session|{request.view_args['session_id']}",
    methods=["POST"],
    deduct_when=_refused,
    error_message=lambda: _(
        "Too many wrong check-in codes were tried for this session. Check-in with the code is "
        "locked for a while; ask the secretary to check you in."
    ),
)


def failed_check_ins(view):
    """Both budgets of failed check-ins, shared by the check-in page and the API."""
    return _failed_check_ins_by_person(_failed_check_ins_by_session(view))
