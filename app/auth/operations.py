"""Everything that changes users, memberships and API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.audit.operations import record
from app.auth import keys
from app.auth.models import (
    ApiToken,
    GlobalRole,
    Membership,
    Role,
    SigningAuthority,
    SigningKey,
    User,
    check_decoy_password,
)
from app.db import utcnow
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from app.notifications.operations import notify

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "acc_"


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            field, _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )


def _check_global_role(global_role: str | None, region) -> None:
    if global_role not in (None, *GlobalRole):
        raise InvalidInput("global_role", _("Unknown global role: %(role)s", role=global_role))
    if global_role == GlobalRole.LABOUR_OFFICER and region is None:
        raise InvalidInput("region_id", _("A labour officer must belong to a region."))


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username.strip())
    if user is None or not user.active:
        check_decoy_password(password)
        return None
    return user if user.check_password(password) else None


def create_user(
    username: str,
    full_name: str,
    password: str,
    *,
    email: str | None = None,
    global_role: str | None = None,
    region=None,
    locale: str = "zh",
    actor: User | None = None,
    set_by_someone_else: bool = False,
) -> User:
    """A new account; `set_by_someone_else` when an administrator chose the password, which the
    person then must replace with their own at their first sign-in."""
    username = username.strip()
    if not username:
        raise InvalidInput("username", _("A username is required."))
    if find_user(username) is not None:
        raise InvalidInput("username", _("The username %(name)s is taken.", name=username))
    if email and db.session.scalar(select(User).where(func.lower(User.email) == email.lower())):
        raise InvalidInput("email", _("The email address %(email)s is in use.", email=email))
    _check_password_strength(password)
    _check_global_role(global_role, region)
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email or None,
        global_role=global_role,
        region=region,
        locale=locale,
    )
    user.set_password(password)
    user.must_change_password = set_by_someone_else
    db.session.add(user)
    db.session.flush()
    record(user, "user_created", actor, data={"username": username, "global_role": global_role})
    notify([user], "welcome", name=user.full_name)
    return user


def update_user(
    user: User,
    actor: User,
    *,
    full_name: str,
    email: str | None,
    global_role: str | None,
    region,
    active: bool,
) -> User:
    if email and db.session.scalar(
        select(User).where(func.lower(User.email) == email.lower(), User.id != user.id)
    ):
        raise InvalidInput("email", _("The email address %(email)s is in use.", email=email))
    _check_global_role(global_role, region)
    if user.id == actor.id and (not active or global_role != user.global_role):
        raise Conflict(_("You cannot deactivate yourself or change your own global role."))
    changes = {
        "full_name": full_name.strip(),
        "email": email or None,
        "global_role": global_role,
        "region_id": region.id if region else None,
        "active": active,
    }
    before = {key: getattr(user, key) for key in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    user.region = region
    db.session.flush()
    if before["full_name"] != user.full_name:
        # The administrator confirms the new identity; the certificate naming the old one is
        # retired, and the next signature gets one with the new name.
        key = signing_key_in_use(user)
        if key is not None:
            key.retired_at = utcnow()
            db.session.flush()
    if before["active"] and not active:
        _part_ended(user, None, actor)
    changed = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    record(user, "user_updated", actor, data={"changed": changed})
    return user


def update_profile(user: User, *, full_name: str, email: str | None, locale: str) -> User:
    if email and db.session.scalar(
        select(User).where(func.lower(User.email) == email.lower(), User.id != user.id)
    ):
        raise InvalidInput("email", _("The email address %(email)s is in use.", email=email))
    if locale not in ("zh", "en"):
        raise InvalidInput("locale", _("Unknown language: %(locale)s", locale=locale))
    if full_name.strip() != user.full_name and _has_had_a_key(user):
        # The name on a signing certificate is the registered identity an administrator
        # confirmed; the signer cannot rename it just before signing.
        raise InvalidInput(
            "full_name",
            _(
                "Your name is on your signing certificate: ask the federation administrator to "
                "correct it."
            ),
        )
    user.full_name, user.email, user.locale = full_name.strip(), email or None, locale
    db.session.flush()
    record(user, "profile_updated", user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change; their signing key is re-encrypted under the new password."""
    if not user.check_password(current_password):
        raise InvalidInput("current_password", _("The current password is wrong."))
    _check_password_strength(new_password, "new_password")
    if new_password == current_password:
        raise InvalidInput("new_password", _("Choose a new password, not the current one."))
    user.set_password(new_password)
    user.must_change_password = False
    user.end_sessions()
    key = signing_key_in_use(user)
    if key is not None:
        try:
            key.encrypted_key = keys.reencrypt_signing_key(
                key.encrypted_key, current_password, new_password, _key_cost()
            )
        except keys.WrongPassword:
            # Encrypted under an earlier password (set by an administrator): a new key is
            # issued at the next signature.
            key.retired_at = utcnow()
    db.session.flush()
    record(user, "password_changed", user)


def reset_password(user: User, new_password: str, actor: User) -> None:
    """An administrator sets a new password (the user is told in their inbox).

    A signing key must only ever be usable by its holder (电子签名法 Art 13): the old key, which
    the new password cannot open, is retired, and no new one is issued until the person has set a
    password only they know — they must, at their next sign-in. Their API tokens are revoked.
    Signatures made with the old key stay valid: its certificate was valid when they were made."""
    _check_password_strength(new_password)
    user.set_password(new_password)
    user.must_change_password = True
    user.end_sessions()
    old = signing_key_in_use(user)
    if old is not None:
        old.retired_at = utcnow()
    revoked = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in revoked:
        token.revoked_at = utcnow()
    db.session.flush()
    record(
        user,
        "password_reset",
        actor,
        data={
            "signing_key_retired": old.fingerprint_sha256 if old is not None else None,
            "tokens_revoked": len(revoked),
        },
    )
    notify([user], "password_reset")


def end_sessions(user: User) -> None:
    """Sign the person out everywhere: every session and remember cookie (sign-out)."""
    user.end_sessions()
    db.session.flush()
    record(user, "signed_out", user)


def require_own_password(user: User) -> None:
    """Refuse what needs a password only the person knows (signing) while someone else's is set."""
    if user.must_change_password:
        raise NotPermitted(
            _(
                "Your password was set by an administrator. Set a password only you know "
                "(Profile → Change password) first: your signing key is issued only then."
            )
        )


# --- signing keys (签名密钥) and this deployment's CA ---------------------------------------------


def signing_authority() -> SigningAuthority:
    """This deployment's CA, created on first use (or by `flask accord init-ca`)."""
    authority = db.session.scalar(select(SigningAuthority).order_by(SigningAuthority.id))
    if authority is None:
        material = keys.create_ca(
            current_app.config["CA_PASSPHRASE"], now=clock.now(), log2_n=_key_cost()
        )
        authority = SigningAuthority(
            cert_pem=material.cert_pem, encrypted_key_pem=material.encrypted_key_pem
        )
        db.session.add(authority)
        db.session.flush()
        record(authority, "ca_created", None)
    return authority


def _has_had_a_key(user: User) -> bool:
    return (
        db.session.scalar(select(SigningKey.id).where(SigningKey.user_id == user.id).limit(1))
        is not None
    )


def _key_cost() -> int:
    """scrypt's log2(n) for sealing signing keys and the CA key (keys.SCRYPT_LOG2_N)."""
    return current_app.config["KEY_SCRYPT_LOG2_N"]


def signing_key_in_use(user: User) -> SigningKey | None:
    return db.session.scalar(
        select(SigningKey).where(SigningKey.user_id == user.id, SigningKey.retired_at.is_(None))
    )


def issue_signing_key(user: User, password: str) -> SigningKey:
    """A new key pair and certificate for `user`, the key encrypted under `password`."""
    authority = signing_authority()
    material = keys.CaMaterial(authority.cert_pem, authority.encrypted_key_pem)
    passphrase = current_app.config["CA_PASSPHRASE"]
    try:
        ca_cert, ca_key = keys.load_ca(material, passphrase)
    except keys.WrongPassphrase:
        raise RuntimeError(
            "ACCORD_CA_PASSPHRASE does not open the signing CA's key stored in the database"
        ) from None
    if keys.ca_key_needs_rewrap(material, _key_cost()):
        # A CA key sealed before the current cost (PKCS#8's 2,048 PBKDF2 rounds): sealed again.
        authority.encrypted_key_pem = keys.seal_ca_key(ca_key, passphrase, _key_cost())
        db.session.flush()
        record(authority, "ca_key_resealed", None, data={"scrypt_log2_n": _key_cost()})
    material = keys.issue_signing_key(
        ca_cert,
        ca_key,
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        password=password,
        now=clock.now(),
        log2_n=_key_cost(),
    )
    key = SigningKey(
        user_id=user.id,
        authority_id=authority.id,
        cert_pem=material.cert_pem,
        encrypted_key=material.encrypted_key,
        serial=format(material.serial, "x"),
        fingerprint_sha256=material.fingerprint_sha256,
        not_before=material.not_before,
        not_after=material.not_after,
    )
    db.session.add(key)
    db.session.flush()
    record(user, "signing_key_issued", user, data={"fingerprint": key.fingerprint_sha256})
    return key


def unlocked_signing_key(user: User, password: str) -> tuple[SigningKey, object]:
    """The user's key in use and its private key, opened with their password (checked by the
    caller); issued now when they have none yet, theirs was made under an earlier password, or
    its certificate has expired (a signature made with it would not be trusted)."""
    require_own_password(user)
    key = signing_key_in_use(user)
    if key is not None and key.not_after <= clock.now():
        key.retired_at = utcnow()
        db.session.flush()
        key = None
    if key is not None:
        try:
            private_key = keys.unlock_signing_key(key.encrypted_key, password)
        except keys.WrongPassword:
            key.retired_at = utcnow()
            db.session.flush()
        else:
            if keys.needs_rewrap(key.encrypted_key, _key_cost()):
                # Sealed with a cheaper scrypt than today's: sealed again, now the password is here.
                key.encrypted_key = keys.seal_signing_key(private_key, password, _key_cost())
                db.session.flush()
            return key, private_key
    key = issue_signing_key(user, password)
    return key, keys.unlock_signing_key(key.encrypted_key, password)


def ensure_membership(user: User, enterprise, role: Role, actor: User | None) -> None:
    """Give `user` the role in the enterprise unless they hold it already."""
    if role not in user.roles_in(enterprise.id):
        add_membership(user, enterprise, role, actor)


def add_membership(user: User, enterprise, role: str, actor: User) -> Membership:
    if role not in set(Role):
        raise InvalidInput("role", _("Unknown role: %(role)s", role=role))
    if Role(role) in user.roles_in(enterprise.id):
        raise Conflict(
            _(
                "%(user)s already has this role in %(enterprise)s.",
                user=user.full_name,
                enterprise=enterprise.name,
            )
        )
    membership = Membership(user=user, enterprise=enterprise, role=role)
    db.session.add(membership)
    db.session.flush()
    record(
        enterprise,
        "membership_added",
        actor,
        data={"user_id": user.id, "username": user.username, "role": role},
    )
    notify(
        [user],
        "membership_added",
        link=f"/enterprises/{enterprise.id}",
        enterprise=enterprise.name,
        role=role,
    )
    return membership


# Called when a person's part in an enterprise ends — (user, enterprise id or None for all,
# actor) — by the domains that hang something on it (the congress: a delegate's standing).
PART_ENDED: list[Callable[[User, int | None, User | None], None]] = []


def _part_ended(user: User, enterprise_id: int | None, actor: User | None) -> None:
    for listener in PART_ENDED:
        listener(user, enterprise_id, actor)


def remove_membership(membership: Membership, actor: User) -> None:
    enterprise, user = membership.enterprise, membership.user
    if membership.role == Role.UNION_REP and enterprise.union_chair_id == user.id:
        raise Conflict(
            _("%(user)s is the union chair; name another chair first.", user=user.full_name)
        )
    user.memberships.remove(membership)  # delete-orphan: the row goes at flush
    db.session.flush()
    record(
        enterprise,
        "membership_removed",
        actor,
        data={"user_id": user.id, "username": user.username, "role": membership.role},
    )
    if Role.DELEGATE not in user.roles_in(enterprise.id):
        _part_ended(user, enterprise.id, actor)


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a personal access token; the plain text is shown once and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", _("Give the token a name."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=ApiToken.hash(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    record(user, "api_token_created", user, data={"token_id": token.id, "name": name})
    return token, plain


def revoke_token(token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        raise Conflict(_("This token is revoked already."))
    token.revoked_at = utcnow()
    db.session.flush()
    record(token.user, "api_token_revoked", actor, data={"token_id": token.id})


@cache
def _user_by_token() -> Select:
    """One query for the user behind a token, their memberships and the token's state, built
    once (on first use, when every mapper is configured): every API call runs it. The token is
    read as columns, not loaded as an object: nothing else of it is needed."""
    return (
        select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(User.memberships))
    )


@cache
def _touch_token() -> Update:
    tokens = ApiToken.__table__
    return (
        update(tokens)
        .where(tokens.c.id == bindparam("token_id"))
        .values(last_used_at=bindparam("now"))
    )


def user_for_token(plain: str) -> User | None:
    row = (
        db.session.execute(_user_by_token(), {"token_hash": ApiToken.hash(plain)})
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    user, token_id, revoked_at, last_used_at = row
    if revoked_at is not None or not user.active:
        return None
    now = utcnow()
    # One write a minute at most: a voting congress must not turn every read into a write.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        db.session.execute(_touch_token(), {"token_id": token_id, "now": now})
    return user
