"""Queueing notifications: inbox rows now, emails after the commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.auth.models import ROLE_LABELS
from app.db import after_commit, utcnow
from app.deadlines import provisional_date
from app.extensions import db
from app.notifications.models import Notification

log = logging.getLogger("accord.notifications")

# What each kind of notification says; the values come from the notification's params.
KINDS = {
    "welcome": _l("Welcome to Accord, %(name)s."),
    "membership_added": _l("You now take part in %(enterprise)s as %(role)s."),
    "password_reset": _l("An administrator reset your password."),
    # negotiations: every one carries the enterprise and the subject
    "request_received": _l(
        "%(enterprise)s: a written request to negotiate “%(subject)s” "
        "arrived; the written response is due on %(due)s."
    ),
    "request_accepted": _l(
        "%(enterprise)s: the request “%(subject)s” was accepted; appoint your representatives."
    ),
    "request_refused": _l("%(enterprise)s: the request “%(subject)s” was refused: %(reason)s"),
    "response_overdue": _l(
        "%(enterprise)s: no written response to “%(subject)s” by %(due)s; "
        "the requesting side may ask for dispute coordination."
    ),
    "dispute_opened": _l(
        "%(enterprise)s: dispute coordination of “%(subject)s” began; it ends on %(due)s."
    ),
    "dispute_overdue": _l(
        "%(enterprise)s: the dispute coordination of “%(subject)s” passed its end date %(due)s."
    ),
    "dispute_resolved": _l(
        "%(enterprise)s: the dispute over “%(subject)s” is resolved; the talks go on."
    ),
    "refill_overdue": _l(
        "%(enterprise)s: the seat of %(name)s in “%(subject)s” was not refilled by %(due)s."
    ),
    "talks_started": _l("%(enterprise)s: the talks on “%(subject)s” have started."),
    "proposal_received": _l(
        "%(enterprise)s: the other side proposed a wage grid in round %(round)s of “%(subject)s”."
    ),
    "suspension_proposed": _l(
        "%(enterprise)s: the other side proposes to suspend “%(subject)s” until %(resume_on)s."
    ),
    "draft_agreed": _l(
        "%(enterprise)s: both sides agreed the draft of “%(subject)s”; it goes "
        "to the workers' congress."
    ),
    # contracts
    "contract_ready": _l(
        "%(enterprise)s: the congress approved “%(subject)s”; the contract is ready for both "
        "chief representatives to sign."
    ),
    "contract_to_sign": _l(
        "%(enterprise)s: the other side signed the contract “%(subject)s”; it awaits your "
        "signature."
    ),
    "contract_signed": _l(
        "%(enterprise)s: both sides signed the contract “%(subject)s”; file it with the labour "
        "administration by %(due)s."
    ),
    "contract_void": _l(
        "%(enterprise)s: a chief representative refused to sign “%(subject)s”; the talks reopen."
    ),
    "contract_filed": _l(
        "%(enterprise)s filed the contract “%(subject)s” for review; object by %(due)s or it "
        "takes effect."
    ),
    "contract_returned": _l(
        "%(enterprise)s: the labour administration objected to “%(subject)s”: %(opinion)s"
    ),
    "contract_effective": _l(
        "%(enterprise)s: the contract “%(subject)s” is in effect from %(effective_on)s; "
        "publish it to all staff by %(due)s."
    ),
    "filing_due": _l("%(enterprise)s: the contract “%(subject)s” is to be filed by %(due)s."),
    "publication_due": _l(
        "%(enterprise)s: the contract “%(subject)s” is to be published to all staff by %(due)s."
    ),
    # deadlines counted again on a year's official holiday schedule (app.deadlines)
    "deadline_moved": _l(
        "%(enterprise)s: “%(deadline)s” of “%(subject)s” was counted again on the official "
        "holiday schedule and moved from %(old)s to %(new)s."
    ),
    "deadline_moved_past": _l(
        "%(enterprise)s: “%(deadline)s” of “%(subject)s” was counted again on the official "
        "holiday schedule: %(counted)s instead of %(old)s. That day has passed, so it is due "
        "today, %(new)s."
    ),
    "renewal_open": _l(
        "%(enterprise)s: the contract “%(subject)s” ends on %(end)s; either side may now ask "
        "to renew it."
    ),
}


def render(notification: Notification) -> str:
    """The notification in the reader's language; a role code reads as its label."""
    template = KINDS.get(notification.kind)
    if template is None:
        return notification.kind
    params = dict(notification.params)
    for name in params.pop("translate", []):
        params[name] = _(params[name])
    for name in params.pop("provisional", []):
        params[name] = provisional_date(params[name])
    if "role" in params:
        params["role"] = str(ROLE_LABELS.get(params["role"], params["role"]))
    return str(template) % params if params else str(template)


def notify(users, kind: str, link: str = "", **params) -> list[Notification]:
    """Put a notification in each user's inbox and email it after the commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    rows = []
    for user in users:
        row = Notification(user=user, user_id=user.id, kind=kind, params=params, link=link)
        db.session.add(row)
        rows.append(row)
        if user.email and current_app.config.get("MAIL_SERVER"):
            after_commit(db.session, _email_sender(current_app._get_current_object(), user, row))
    db.session.flush()
    return rows


def _email_sender(app, user, row: Notification):
    with force_locale(user.locale):
        body = render(row)
    base = app.config["SERVER_BASE_URL"].rstrip("/")
    if row.link:
        body = f"{body}\n\n{base}{row.link}"
    to_address, kind = user.email, row.kind
    subject = "Accord" if user.locale == "en" else "Accord 通知"

    def send() -> None:
        message = EmailMessage()
        message["From"] = app.config["MAIL_SENDER"]
        message["To"] = to_address
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=10) as s:
                if app.config.get("MAIL_USE_TLS"):
                    s.starttls()
                if app.config.get("MAIL_USERNAME"):
                    s.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
                s.send_message(message)
        except (OSError, smtplib.SMTPException):
            # The inbox row is committed already; a lost email must not fail the request.
            log.exception("could not email a %s notification to %s", kind, to_address)

    return send


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def inbox(user, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user, notification_ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all) of `user` read; return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(notification_ids))
    result = db.session.execute(query.values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount
