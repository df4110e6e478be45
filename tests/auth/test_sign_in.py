"""Sign-in, sign-out, `next` redirects, rate limiting and CSRF."""

import pytest

from app.auth import models
from tests.conftest import PASSWORD


def test_sign_in_lands_on_home_with_the_users_name(client, make):
    make.user("li.ming", full_name="李明")
    response = client.post(
        "/login", data={"username": "li.ming", "password": PASSWORD}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "李明" in response.get_data(as_text=True)


def test_username_is_case_insensitive(client, make):
    make.user("Wang.Fang")
    response = client.post("/login", data={"username": "wang.fang", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make):
    make.user("li.ming")
    response = client.post("/login?lang=en", data={"username": "li.ming", "password": "nope"})
    assert response.status_code == 422
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_sign_in(client, make):
    user = make.user("gone")
    user.active = False
    response = client.post("/login", data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 422


@pytest.mark.parametrize("case", ["unknown username", "inactive user", "wrong password"])
def test_a_refused_sign_in_checks_one_password_hash_whatever_the_username(
    client, make, monkeypatch, case
):
    make.user("li.ming").active = case != "inactive user"
    checked = []
    real = models.check_password_hash
    monkeypatch.setattr(
        models, "check_password_hash", lambda *args: checked.append(1) or real(*args)
    )
    username = "nobody" if case == "unknown username" else "li.ming"
    password = "nope" if case == "wrong password" else PASSWORD

    response = client.post("/login", data={"username": username, "password": password})

    assert response.status_code == 422
    assert len(checked) == 1  # as long as a real check, so the time tells nothing


@pytest.mark.parametrize("target", ["/profile", "/enterprises/1?tab=x"])
def test_next_is_followed_to_a_local_path(client, make, target):
    make.user("li.ming")
    response = client.post(
        f"/login?next={target}", data={"username": "li.ming", "password": PASSWORD}
    )
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_to_another_site_is_ignored(client, make, target):
    make.user("li.ming")
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "li.ming", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_sign_out_needs_a_post_and_ends_the_session(client, make, auth):
    auth.login(make.user("li.ming"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").status_code == 302


def test_failed_sign_ins_are_limited_per_username(app, client, make):
    make.user("li.ming")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        response = client.post("/login", data={"username": "li.ming", "password": "wrong"})
        assert response.status_code == 422
    response = client.post("/login", data={"username": "li.ming", "password": PASSWORD})
    assert response.status_code == 429
    # another account from the same address is not locked out by this one's attempts
    make.user("wang.fang")
    response = client.post("/login", data={"username": "wang.fang", "password": PASSWORD})
    assert response.status_code == 302


def test_the_username_limit_holds_from_another_address(app, client, make):
    make.user("li.ming")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for n in range(limit):
        client.post(
            "/login",
            data={"username": "li.ming", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    response = client.post(
        "/login",
        data={"username": "li.ming", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429


def test_a_congress_behind_one_address_signs_in_without_a_limit(app, make):
    # Twice the per-address budget of failures, all successful, from one NAT address.
    budget = int(app.config["LOGIN_ADDRESS_RATE_LIMIT"].split()[0])
    users = [make.user(f"delegate{n}") for n in range(budget * 2)]
    for user in users:
        browser = app.test_client()
        answer = browser.post("/login", data={"username": user.username, "password": PASSWORD})
        assert answer.status_code == 302, user.username


def test_failures_from_one_address_are_limited_across_usernames(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    for n in range(3):
        client.post("/login", data={"username": f"guess{n}", "password": "x"})
    make.user("li.ming")
    assert (
        client.post("/login", data={"username": "li.ming", "password": PASSWORD}).status_code == 429
    )


def test_behind_a_trusted_proxy_the_clients_address_counts(make, db_session):
    from app import create_app
    from app.config import TestingConfig
    from app.extensions import db

    config = type(
        "C",
        (TestingConfig,),
        {
            "TRUSTED_PROXIES": 1,
            "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": db.engine.url,
        },
    )
    proxied = create_app(config).test_client()
    for n in range(2):
        proxied.post(
            "/login",
            data={"username": f"guess{n}", "password": "x"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    make.user("li.ming")
    other_client = proxied.post(
        "/login",
        data={"username": "li.ming", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    assert other_client.status_code == 302  # another client behind the same proxy


def test_form_post_without_csrf_token_is_refused(app, client, make, monkeypatch):
    make.user("li.ming")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login", data={"username": "li.ming", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_form_post_with_the_pages_csrf_token_is_accepted(app, client, make, monkeypatch):
    import re

    make.user("li.ming")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": "li.ming", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_the_api_needs_no_csrf_token_but_a_bearer_token(app, client, make, api_token, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.user("li.ming")
    response = client.post("/api/v1/tokens", json={"name": "ci"}, headers=api_token(user))
    assert response.status_code == 201


def test_a_session_cookie_does_not_authenticate_the_api(client, make, auth):
    auth.login(make.user("li.ming"))
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_language_chosen_on_the_sign_in_page_is_kept(client, make):
    make.user("li.ming", full_name="李明", locale="zh")
    client.get("/login?lang=en")
    home = client.post(
        "/login", data={"username": "li.ming", "password": PASSWORD}, follow_redirects=True
    )
    assert 'lang="en"' in home.get_data(as_text=True)


def test_without_a_choice_the_profiles_language_applies(client, make):
    make.user("li.ming", full_name="李明", locale="en")
    home = client.post(
        "/login", data={"username": "li.ming", "password": PASSWORD}, follow_redirects=True
    )
    assert 'lang="en"' in home.get_data(as_text=True)
