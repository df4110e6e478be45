"""The inbox (站内通知) and its emails: rows now, emails only after the commit (DESIGN §2)."""

import logging
import re
import socket
from email import message_from_bytes
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale

from app.auth.models import ROLE_LABELS
from app.extensions import db
from app.notifications import operations as notifications
from app.notifications.models import Notification

BADGE = re.compile(r'class="badge"[^>]*>\s*(\d+)\s*<')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def badge(page: str) -> int | None:
    match = BADGE.search(page)
    return int(match.group(1)) if match else None


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=email_policy.default
        )
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 that the app sends to; `.messages` holds what arrived.

    Configure it only after creating the users a test needs, so their welcome emails (queued at
    creation) are not sent: call `smtp.configure()`.
    """
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()

    def configure():
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)

    collector.configure = configure
    try:
        yield collector
    finally:
        controller.stop()


def unread(user) -> int:
    return notifications.unread_count(user)


def test_a_new_user_finds_a_welcome_in_their_inbox(make):
    user = make.user(full_name="王小明", locale="en")
    rows = notifications.inbox(user)
    assert [n.kind for n in rows] == ["welcome"]
    with force_locale("en"):
        assert notifications.render(rows[0]) == "Welcome to Accord, 王小明."
    assert rows[0].read_at is None


def test_the_inbox_page_lists_the_notifications(client, make, login_as):
    user = make.user(full_name="王小明", locale="en")
    login_as(user)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Welcome to Accord, 王小明." in page
    assert "Mark all read" in page


def test_the_header_shows_the_unread_count_after_sign_in(client, make, login_as):
    enterprise = make.enterprise()
    user = make.user(roles=["delegate", "union_rep"], enterprise=enterprise, locale="en")
    login_as(user)
    # welcome + two memberships
    assert badge(client.get("/").get_data(as_text=True)) == 3


def test_marking_all_read_clears_the_badge(client, make, login_as):
    user = make.user(roles=["delegate"], enterprise=make.enterprise(), locale="en")
    login_as(user)
    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert unread(user) == 0
    page = client.get("/notifications/").get_data(as_text=True)
    assert badge(page) is None
    assert "2 notifications marked read." in page
    assert "Mark all read" not in page


def test_marking_one_read_on_the_web_keeps_the_others(client, make, login_as):
    user = make.user(roles=["delegate"], enterprise=make.enterprise(), locale="en")
    welcome = next(n for n in notifications.inbox(user) if n.kind == "welcome")
    login_as(user)
    client.post("/notifications/read", data={"id": [str(welcome.id)]})
    assert badge(client.get("/").get_data(as_text=True)) == 1


def test_the_api_lists_the_inbox_newest_first(client, make, api_token):
    enterprise = make.enterprise(name="示例机械有限公司")
    user = make.user(full_name="李四", roles=["delegate"], enterprise=enterprise)
    response = client.get(
        "/api/v1/notifications", headers={**api_token(user), "Accept-Language": "en"}
    )
    assert response.status_code == 200
    body = response.json
    assert body["unread"] == 2
    assert [n["kind"] for n in body["notifications"]] == ["membership_added", "welcome"]
    newest = body["notifications"][0]
    with force_locale("en"):
        role = str(ROLE_LABELS["delegate"])
    assert newest["text"] == f"You now take part in 示例机械有限公司 as {role}."
    assert newest["link"] == f"/enterprises/{enterprise.id}"
    assert newest["read_at"] is None


def test_the_api_marks_the_given_notifications_read(client, make, api_token):
    user = make.user(roles=["delegate"], enterprise=make.enterprise())
    headers = api_token(user)
    welcome = next(n for n in notifications.inbox(user) if n.kind == "welcome")
    response = client.post(
        "/api/v1/notifications/read", json={"ids": [welcome.id]}, headers=headers
    )
    assert response.status_code == 200
    assert response.json == {"marked": 1}
    listed = client.get("/api/v1/notifications", headers=headers).json
    assert listed["unread"] == 1
    read = {n["kind"]: n["read_at"] is not None for n in listed["notifications"]}
    assert read == {"welcome": True, "membership_added": False}


def test_the_api_marks_everything_read_without_ids(client, make, api_token):
    user = make.user(roles=["delegate"], enterprise=make.enterprise())
    headers = api_token(user)
    response = client.post("/api/v1/notifications/read", json={}, headers=headers)
    assert response.json == {"marked": 2}
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 0


def test_nobody_can_mark_another_users_notifications_read(client, make, api_token):
    owner, other = make.user(), make.user()
    theirs = notifications.inbox(owner)[0]
    response = client.post(
        "/api/v1/notifications/read", json={"ids": [theirs.id]}, headers=api_token(other)
    )
    assert response.json == {"marked": 0}
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_the_api_inbox_needs_a_token(client):
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_a_new_member_is_emailed_after_the_admin_adds_them(client, make, login_as, smtp):
    admin = make.admin()
    enterprise = make.enterprise(name="无锡示例精工有限公司")
    member = make.user(email="member@example.cn", locale="en")
    smtp.configure()
    login_as(admin)
    response = client.post(
        f"/admin/enterprises/{enterprise.id}/memberships",
        data={"m-username": member.username, "m-role": "delegate"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["member@example.cn"]
    assert message["To"] == "member@example.cn"
    body = message.get_content()
    with force_locale("en"):
        role = str(ROLE_LABELS["delegate"])
    assert f"You now take part in 无锡示例精工有限公司 as {role}." in body
    assert f"/enterprises/{enterprise.id}" in body


def test_no_email_before_the_commit_and_none_after_a_rollback(app, make, smtp):
    member = make.user(email="member@example.cn")
    smtp.configure()
    notifications.notify([member], "membership_added", enterprise="某公司", role="delegate")
    assert smtp.messages == []  # queued, not sent
    db.session.rollback()
    db.session.commit()
    assert smtp.messages == []


def test_a_committed_notification_is_emailed_once(app, make, smtp):
    member = make.user(email="member@example.cn", locale="zh")
    smtp.configure()
    notifications.notify([member], "password_reset")
    db.session.commit()
    db.session.commit()
    assert len(smtp.messages) == 1
    assert smtp.messages[0][1]["Subject"] == "Accord 通知"


def test_no_email_for_a_user_without_an_address(make, smtp):
    member = make.user(email=None)
    smtp.configure()
    notifications.notify([member], "password_reset")
    db.session.commit()
    assert smtp.messages == []
    assert [n.kind for n in notifications.inbox(member)] == ["password_reset", "welcome"]


def test_a_mail_server_that_is_down_does_not_fail_the_request(
    app, client, make, login_as, monkeypatch, caplog
):
    admin = make.admin()
    enterprise = make.enterprise()
    member = make.user(email="member@example.cn")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    login_as(admin)
    with caplog.at_level(logging.ERROR, logger="accord.notifications"):
        response = client.post(
            f"/admin/enterprises/{enterprise.id}/memberships",
            data={"m-username": member.username, "m-role": "delegate"},
        )
    assert response.status_code == 302
    assert member.roles_in(enterprise.id) == {"delegate"}
    assert [n.kind for n in notifications.inbox(member)][0] == "membership_added"
    assert "could not email a membership_added notification to member@example.cn" in caplog.text
