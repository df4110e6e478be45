"""Sessions and remember cookies end with a sign-out, a password change or an administrator's
reset; a copied cookie does not outlive them (issue 12)."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from app import create_app
from app.auth import operations
from app.config import TestingConfig
from app.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def second(app):
    """Another browser of the same person."""
    return app.test_client()


def signed_in(client, user, remember=False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_password_change_ends_the_other_sessions_but_not_this_one(client, second, make):
    user = make.user("li.ming")
    signed_in(client, user)
    signed_in(second, user)
    answer = client.post(
        "/profile/password",
        data={"pw-current_password": PASSWORD, "pw-new_password": "a-new-one-42"},
    )
    assert answer.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(second)


def test_an_administrators_reset_ends_every_session(client, make):
    user = make.user("li.ming")
    signed_in(client, user)
    operations.reset_password(user, "reset-by-admin-7", make.admin())
    db.session.commit()
    assert not is_signed_in(client)


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(client, second, make):
    user = make.user("li.ming")
    signed_in(client, user, remember=True)
    copied = {c.key: c.value for c in client._cookies.values()}
    assert client.post("/logout").status_code == 302
    for key, value in copied.items():
        second.set_cookie(key, value)
    assert not is_signed_in(second)  # neither the session nor the remember cookie


def test_the_remember_cookie_follows_the_configured_flags(tmp_path, make, db_session):
    config = type(
        "C",
        (TestingConfig,),
        {
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": db.engine.url,
        },
    )
    make.user("li.ming")
    secure = create_app(config).test_client()
    answer = secure.post(
        "/login", data={"username": "li.ming", "password": PASSWORD, "remember": "y"}
    )
    remember = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("remember_token")]
    assert remember, answer.headers
    assert "Secure" in remember[0] and "SameSite=Lax" in remember[0] and "HttpOnly" in remember[0]
    expires = parsedate_to_datetime(remember[0].split("Expires=")[1].split(";")[0])
    assert expires - datetime.now(UTC) <= timedelta(days=14)  # not flask-login's year
