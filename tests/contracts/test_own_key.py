"""A signing key is only ever usable by its holder (电子签名法 Art 13): an administrator who resets
a chief's password, and so knows it, cannot sign as that chief by any route (issue 12)."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth import operations as auth_operations
from app.auth.models import SigningKey
from app.contracts import operations as ops
from app.contracts.models import ContractSignature
from app.errors import NotPermitted
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import PASSWORD

KNOWN_TO_THE_ADMIN = "admin-knows-this-1"


@pytest.fixture
def reset(deal, make, api, client):
    """The chief had a key and a token; the administrator resets the chief's password."""
    chief = deal.union_chief
    auth_operations.issue_signing_key(chief, PASSWORD)
    db.session.commit()
    chief_api = api(chief)
    assert chief_api.get("/me").status_code == 200
    admin = make.admin()
    answer = api(admin).patch(f"/users/{chief.id}", {"password": KNOWN_TO_THE_ADMIN})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return chief, chief_api, admin


def keys_in_use(user):
    return db.session.scalars(
        select(SigningKey).where(SigningKey.user_id == user.id, SigningKey.retired_at.is_(None))
    ).all()


def test_a_reset_retires_the_key_issues_none_and_revokes_the_tokens(reset):
    chief, chief_api, admin = reset
    assert keys_in_use(chief) == []
    assert chief_api.get("/me").status_code == 401
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "password_reset")
    ).one()
    assert event.actor_id == admin.id and event.data["tokens_revoked"] == 1
    assert event.data["signing_key_retired"]
    assert db.session.scalars(
        select(Notification).where(
            Notification.user_id == chief.id, Notification.kind == "password_reset"
        )
    ).all()


def test_the_operation_refuses_to_sign_with_a_password_someone_else_set(deal, reset):
    chief = reset[0]
    with pytest.raises(NotPermitted, match="set by an administrator"):
        ops.sign(
            deal.contract,
            chief,
            password=KNOWN_TO_THE_ADMIN,
            full_name=chief.full_name,
            document_sha256=deal.contract.latest.sha256,
        )
    assert keys_in_use(chief) == []


def test_signing_in_with_it_leads_only_to_setting_ones_own_password(deal, reset, client):
    chief = reset[0]
    signed_in = client.post(
        "/login", data={"username": chief.username, "password": KNOWN_TO_THE_ADMIN}
    )
    assert signed_in.status_code == 302
    url = f"/contracts/{deal.contract.id}/sign"
    for response in (
        client.get(url),
        client.post(
            url,
            data={
                "password": KNOWN_TO_THE_ADMIN,
                "full_name": chief.full_name,
                "document_sha256": deal.contract.latest.sha256,
            },
        ),
        client.post("/profile/tokens", data={"name": "mine"}),
    ):
        assert response.status_code == 302 and response.location.endswith("/profile")
    assert db.session.scalars(select(ContractSignature)).all() == []
    assert keys_in_use(chief) == []
    profile = client.get("/profile?lang=en").get_data(as_text=True)
    assert "An administrator set your password" in profile


def test_the_admin_cannot_lift_the_requirement(reset, api):
    chief, _chief_api, admin = reset
    answer = api(admin).patch(f"/users/{chief.id}", {"must_change_password": False})
    assert answer.status_code == 422
    assert chief.must_change_password


def test_the_persons_own_password_opens_the_way_and_a_new_key(deal, reset, client):
    chief = reset[0]
    with pytest.raises(Exception, match="not the current one"):
        auth_operations.change_password(chief, KNOWN_TO_THE_ADMIN, KNOWN_TO_THE_ADMIN)
    db.session.rollback()
    auth_operations.change_password(chief, KNOWN_TO_THE_ADMIN, "only-mine-42")
    db.session.commit()
    assert not chief.must_change_password
    ops.sign(
        deal.contract,
        chief,
        password="only-mine-42",
        full_name=chief.full_name,
        document_sha256=deal.contract.latest.sha256,
    )
    assert len(keys_in_use(chief)) == 1


def test_an_account_an_administrator_creates_starts_with_someone_elses_password(make, api):
    answer = api(make.admin()).post(
        "/users",
        {"username": "newchief", "full_name": "新主席", "password": KNOWN_TO_THE_ADMIN},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    user = auth_operations.find_user("newchief")
    assert user.must_change_password
    with pytest.raises(NotPermitted):
        auth_operations.unlocked_signing_key(user, KNOWN_TO_THE_ADMIN)


def test_keys_sealed_at_a_lower_cost_are_sealed_again_when_opened(app, make, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    from app.auth import keys

    user = make.user("wang.fang")
    key = auth_operations.issue_signing_key(user, PASSWORD)  # at the suite's cost, 2**14
    authority = auth_operations.signing_authority()
    _cert, ca_key = keys.load_ca(
        keys.CaMaterial(authority.cert_pem, authority.encrypted_key_pem),
        app.config["CA_PASSPHRASE"],
    )
    authority.encrypted_key_pem = ca_key.private_bytes(  # as CAs were stored before
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(app.config["CA_PASSPHRASE"].encode()),
    )
    monkeypatch.setitem(app.config, "KEY_SCRYPT_LOG2_N", 15)  # today's cost went up

    opened, _private = auth_operations.unlocked_signing_key(user, PASSWORD)
    assert opened.id == key.id and not keys.needs_rewrap(opened.encrypted_key, 15)
    auth_operations.issue_signing_key(make.user("li.ming"), PASSWORD)
    assert authority.encrypted_key_pem.startswith(b"ACCORD-CA-KEY-1")
    assert not keys.ca_key_needs_rewrap(
        keys.CaMaterial(authority.cert_pem, authority.encrypted_key_pem), 15
    )


def test_the_name_on_a_certificate_changes_only_through_the_administrator(app, make):
    from flask_babel import force_locale

    from app.errors import InvalidInput

    user = make.user("wang.fang", full_name="王芳")
    first = auth_operations.issue_signing_key(user, PASSWORD)
    with force_locale("en"), pytest.raises(InvalidInput, match="ask the federation"):
        auth_operations.update_profile(user, full_name="李四", email=None, locale="zh")
    auth_operations.update_profile(user, full_name="王芳", email="w@example.com", locale="en")
    auth_operations.update_user(
        user,
        make.admin(),
        full_name="王芳芳",
        email=user.email,
        global_role=None,
        region=None,
        active=True,
    )
    assert first.retired_at is not None
    renewed, _private = auth_operations.unlocked_signing_key(user, PASSWORD)
    from cryptography import x509

    names = x509.load_pem_x509_certificate(renewed.cert_pem).subject.rfc4514_string()
    assert "王芳芳" in names
