"""API: the user's inbox."""

import marshmallow as ma
from flask_login import current_user
from marshmallow import validate

from app.api.common import Blueprint
from app.db import INTEGER_MAX
from app.notifications.operations import inbox, mark_read, render, unread_count
from app.schemas import Text

blp = Blueprint("api_notifications", __name__, description="The inbox")


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = Text()
    text = ma.fields.Function(render)
    link = Text()
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)


class InboxSchema(ma.Schema):
    unread = ma.fields.Integer()
    notifications = ma.fields.List(ma.fields.Nested(NotificationSchema))


class MarkReadSchema(ma.Schema):
    ids = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(min=1, max=INTEGER_MAX)),
        load_default=None,
        allow_none=True,
        metadata={"description": "Omit to mark every notification read."},
    )


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer()


@blp.get("/notifications")
@blp.response(200, InboxSchema)
def list_notifications():
    return {"unread": unread_count(current_user), "notifications": inbox(current_user)}


@blp.post("/notifications/read")
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkedSchema)
def read_notifications(data):
    return {"marked": mark_read(current_user, data["ids"])}
