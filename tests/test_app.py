"""The app factory, configuration, security headers, languages and the API's error format."""

import stat

import pytest

from app import create_app
from app.config import TestingConfig, instance_secret_key


def test_factory_takes_a_config_mapping(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    assert app.testing and app.config["SECRET_KEY"] == "k"


def test_secret_key_is_generated_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert instance_secret_key(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_testing_config_is_used(app):
    assert app.config["TESTING"] and TestingConfig.TESTING


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_and_no_cdn(client, make, auth):
    auth.login(make.admin())
    for url in ("/", "/admin/enterprises", "/admin/regions/new", "/profile"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page, url
        assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


def test_chinese_is_the_default_language(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page


def test_lang_switch_to_english_sticks_for_the_session(client):
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page
    assert "登录" in client.get("/login?lang=zh").get_data(as_text=True)


def test_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["info"]["title"] == "Accord API"
    assert "/api/v1/enterprises" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    "path,status,code",
    [
        ("/api/v1/me", 401, "unauthorized"),
        ("/api/v1/nowhere", 404, "not_found"),
    ],
)
def test_api_errors_have_the_documented_shape(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert response.json["error"]["details"] == {}


def test_malformed_json_is_400(client, make, api_token):
    response = client.post(
        "/api/v1/tokens",
        data="{not json",
        headers={**api_token(make.user()), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_invalid_json_field_is_422_naming_the_field(client, make, api_token):
    response = client.post("/api/v1/tokens", json={"name": ""}, headers=api_token(make.user()))
    assert response.status_code == 422
    assert "name" in response.json["error"]["details"]


def test_unknown_id_is_404_in_the_web_ui(client, make, auth):
    auth.login(make.admin())
    assert client.get("/enterprises/999999").status_code == 404
