"""API: an enterprise's history and the verification of the audit chains."""

import marshmallow as ma
from flask_login import current_user

from app.api.common import Blueprint, error_responses
from app.audit.operations import history, verify_chains
from app.auth.access import require_admin
from app.orgs.access import get_enterprise_work_or_404
from app.schemas import Text

blp = Blueprint("api_audit", __name__, description="The audit log")
fails_with = error_responses(blp)


class AuditEventSchema(ma.Schema):
    seq = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    actor = Text(attribute="actor.username", allow_none=True, dump_default=None)
    action = Text()
    from_state = Text(allow_none=True)
    to_state = Text(allow_none=True)
    data = ma.fields.Dict()
    hash = Text()


class VerificationSchema(ma.Schema):
    events_checked = ma.fields.Integer()
    intact = ma.fields.Boolean()
    first_broken_link = Text(allow_none=True)


@blp.get("/enterprises/<int:enterprise_id>/history")
@fails_with(404)
@blp.response(200, AuditEventSchema(many=True))
def enterprise_history(enterprise_id):
    return history(get_enterprise_work_or_404(enterprise_id, current_user))


@blp.get("/audit/verify")
@fails_with(403)
@blp.response(200, VerificationSchema)
def verify():
    """Recompute every hash chain and name the first broken link."""
    require_admin()
    checked, broken = verify_chains()
    return {
        "events_checked": checked,
        "intact": broken is None,
        "first_broken_link": str(broken) if broken else None,
    }
