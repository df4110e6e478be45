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


def test_login_is_rate_limited_per_address_and_username(app, client, make):
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
