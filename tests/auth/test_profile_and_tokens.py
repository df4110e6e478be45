"""The profile page, password change, and personal API tokens."""

from datetime import UTC, datetime, timedelta

from app.auth import operations
from app.auth.models import ApiToken
from tests.conftest import PASSWORD


def test_password_change_needs_the_current_password(client, make, auth):
    user = make.user("li.ming")
    auth.login(user)
    response = client.post(
        "/profile/password?lang=en",
        data={"pw-current_password": "wrong-password", "pw-new_password": "new-password-1"},
    )
    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)
    response = client.post(
        "/profile/password",
        data={"pw-current_password": PASSWORD, "pw-new_password": "new-password-1"},
    )
    assert response.status_code == 302
    auth.logout()
    assert (
        client.post("/login", data={"username": "li.ming", "password": PASSWORD}).status_code == 422
    )
    assert (
        client.post(
            "/login", data={"username": "li.ming", "password": "new-password-1"}
        ).status_code
        == 302
    )


def test_too_short_new_password_is_refused_naming_the_field(client, make, auth):
    auth.login(make.user("li.ming"))
    response = client.post(
        "/profile/password?lang=en",
        data={"pw-current_password": PASSWORD, "pw-new_password": "short"},
    )
    assert response.status_code == 422
    assert "between 8 and 128 characters" in response.get_data(as_text=True)


def test_profile_language_choice_switches_the_interface(client, make, auth):
    auth.login(make.user("li.ming", full_name="李明"))
    response = client.post(
        "/profile", data={"full_name": "李明", "email": "", "locale": "en"}, follow_redirects=True
    )
    assert "Your profile is saved." in response.get_data(as_text=True)


def test_token_is_shown_once_and_works_until_revoked(client, make, auth, db_session):
    user = make.user("li.ming")
    auth.login(user)
    page = client.post("/profile/tokens", data={"name": "laptop"}).get_data(as_text=True)
    token = page.split('<code class="token">')[1].split("</code>")[0]
    assert token.startswith("acc_")
    stored = db_session.query(ApiToken).filter_by(user_id=user.id).one()
    assert token not in (stored.token_hash, stored.prefix)  # only a hash is kept
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["username"] == "li.ming"
    assert token not in client.get("/profile/tokens").get_data(as_text=True)

    client.post(f"/profile/tokens/{stored.id}/revoke")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401


def test_api_token_lifecycle(client, make, api_token):
    user = make.user("li.ming")
    headers = api_token(user)
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers=headers)
    assert created.status_code == 201
    new_headers = {"Authorization": f"Bearer {created.json['token']}"}
    assert client.get("/api/v1/me", headers=new_headers).status_code == 200
    listed = client.get("/api/v1/tokens", headers=headers).json
    assert "token" not in listed[0] and {t["name"] for t in listed} == {"test", "script"}
    assert client.delete(f"/api/v1/tokens/{created.json['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=new_headers).status_code == 401
    again = client.delete(f"/api/v1/tokens/{created.json['id']}", headers=headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"


def test_a_deactivated_users_token_stops_working(client, make, api_token, db_session):
    user = make.user("li.ming")
    headers = api_token(user)
    user.active = False
    db_session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_tokens_last_use_is_written_once_a_minute_at_most(
    client, make, api_token, db_session, monkeypatch
):
    """The token list shows when each token was last used; a voting congress must not turn
    every call into a write, so it is written when more than a minute old."""
    headers = api_token(make.user("li.ming"))
    token = db_session.query(ApiToken).one()
    assert token.last_used_at is None
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)

    def used_at(moment):
        monkeypatch.setattr(operations, "utcnow", lambda: moment)
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        db_session.expire_all()
        return db_session.get(ApiToken, token.id).last_used_at

    assert used_at(now) == now
    assert used_at(now + timedelta(seconds=60)) == now  # not rewritten within the minute
    assert used_at(now + timedelta(seconds=61)) == now + timedelta(seconds=61)


def test_a_nul_character_in_a_form_is_refused_by_name(client, make, auth, db_session):
    """PostgreSQL stores no NUL character: a page's form refuses it (422), nothing is stored."""
    auth.login(make.user("li.ming"))
    response = client.post("/profile/tokens?lang=en", data={"name": "lap\x00top"})
    assert response.status_code == 422
    assert "name: Must not contain the NUL character" in response.get_data(as_text=True)
    assert db_session.query(ApiToken).count() == 0
    assert client.get("/negotiations?state=\x00").status_code == 422
