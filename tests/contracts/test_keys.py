"""The deployment's CA (证书颁发机构) and each signer's own key (签名密钥), sealed by a password."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from app.auth import keys

PASSPHRASE = "ca-passphrase-1"
PASSWORD = "correct-horse-1"
CHEAP = 14  # scrypt's log2(n) for these tests; the deployments' default is keys.SCRYPT_LOG2_N


@pytest.fixture(scope="module")
def ca() -> keys.CaMaterial:
    return keys.create_ca(PASSPHRASE, log2_n=CHEAP)


@pytest.fixture(scope="module")
def ca_pair(ca):
    return keys.load_ca(ca, PASSPHRASE)


@pytest.fixture(scope="module")
def signing_key(ca_pair) -> keys.SigningKeyMaterial:
    return keys.issue_signing_key(
        *ca_pair,
        user_id=42,
        username="wang.fang",
        full_name="王芳",
        password=PASSWORD,
        log2_n=CHEAP,
    )


def test_ca_is_a_self_signed_certificate_authority(ca_pair):
    cert, key = ca_pair

    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == keys.DEFAULT_CA_NAME
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc >= timedelta(days=19 * 365)
    assert key.public_key() == cert.public_key()


def test_ca_key_is_stored_sealed_by_scrypt(ca):
    assert ca.encrypted_key_pem.startswith(b"ACCORD-CA-KEY-1\n")
    assert b"PRIVATE KEY" not in ca.encrypted_key_pem
    assert not keys.ca_key_needs_rewrap(ca, CHEAP)
    assert keys.ca_key_needs_rewrap(ca, CHEAP + 1)


def test_keys_at_rest_cost_more_than_the_password_hash():
    # OWASP: scrypt n = 2**17, r = 8, p = 1; werkzeug's password hash uses 2**15.
    from app.config import Config

    assert keys.SCRYPT_LOG2_N == Config.KEY_SCRYPT_LOG2_N == 17


def test_a_ca_key_stored_as_pkcs8_still_opens_and_asks_to_be_sealed_again(ca_pair, ca):
    _cert, key = ca_pair
    legacy = keys.CaMaterial(
        ca.cert_pem,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        ),
    )
    assert keys.load_ca(legacy, PASSPHRASE)[1].public_key() == key.public_key()
    assert keys.ca_key_needs_rewrap(legacy, CHEAP)
    with pytest.raises(keys.WrongPassphrase):
        keys.load_ca(legacy, "wrong")


def test_a_signing_key_sealed_cheaper_asks_to_be_sealed_again(signing_key):
    assert not keys.needs_rewrap(signing_key.encrypted_key, CHEAP)
    assert keys.needs_rewrap(signing_key.encrypted_key, CHEAP + 1)


@pytest.mark.parametrize("passphrase", ["wrong-passphrase", ""])
def test_wrong_ca_passphrase_is_refused(ca, passphrase):
    with pytest.raises(keys.WrongPassphrase):
        keys.load_ca(ca, passphrase)


def test_signing_certificate_names_the_person_and_their_account(ca_pair, signing_key):
    ca_cert, _ = ca_pair
    cert = x509.load_pem_x509_certificate(signing_key.cert_pem)

    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "王芳"
    assert cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "wang.fang"
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "42"
    assert cert.issuer == ca_cert.subject
    cert.verify_directly_issued_by(ca_cert)
    assert signing_key.serial == cert.serial_number
    assert signing_key.fingerprint_sha256 == cert.fingerprint(hashes.SHA256()).hex()
    assert (signing_key.not_before, signing_key.not_after) == (
        cert.not_valid_before_utc,
        cert.not_valid_after_utc,
    )
    assert timedelta(days=4 * 365) < signing_key.not_after - signing_key.not_before
    assert signing_key.not_after - signing_key.not_before <= keys.SIGNING_KEY_VALIDITY


def test_signing_certificate_is_for_signing_documents_only(ca_pair, signing_key):
    ca_cert, _ = ca_pair
    extensions = x509.load_pem_x509_certificate(signing_key.cert_pem).extensions

    assert not extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        keys.DOCUMENT_SIGNING
    ]
    authority = extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority.key_identifier == ca_ski.digest


def test_right_password_unlocks_the_certified_key(signing_key):
    key = keys.unlock_signing_key(signing_key.encrypted_key, PASSWORD)

    cert = x509.load_pem_x509_certificate(signing_key.cert_pem)
    assert key.public_key() == cert.public_key()


def test_wrong_password_is_refused(signing_key):
    with pytest.raises(keys.WrongPassword):
        keys.unlock_signing_key(signing_key.encrypted_key, "wrong-horse-1")


def test_wrong_password_is_a_signing_key_error_not_a_key_error():
    assert issubclass(keys.WrongPassword, keys.SigningKeyError)
    assert not issubclass(keys.SigningKeyError, KeyError)


def test_key_blob_records_its_format_and_kdf_parameters(signing_key):
    version, log2_n, r, p = signing_key.encrypted_key[:4]

    assert (version, 2**log2_n, r, p) == (1, 2**14, 8, 1)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[:20], id="truncated"),
        pytest.param(lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]), id="ciphertext"),
        pytest.param(lambda blob: blob[:8] + bytes([blob[8] ^ 1]) + blob[9:], id="salt"),
        pytest.param(lambda blob: blob[:1] + bytes([13]) + blob[2:], id="kdf-cost-lowered"),
        pytest.param(lambda blob: blob[:1] + bytes([60]) + blob[2:], id="kdf-cost-absurd"),
        pytest.param(lambda blob: bytes([9]) + blob[1:], id="unknown-version"),
    ],
)
def test_damaged_key_blob_is_refused(signing_key, damage):
    with pytest.raises(keys.WrongPassword):
        keys.unlock_signing_key(damage(signing_key.encrypted_key), PASSWORD)


def test_reencrypted_key_opens_with_the_new_password_only(signing_key):
    blob = keys.reencrypt_signing_key(signing_key.encrypted_key, PASSWORD, "new-horse-2")

    key = keys.unlock_signing_key(blob, "new-horse-2")
    with pytest.raises(keys.WrongPassword):
        keys.unlock_signing_key(blob, PASSWORD)
    assert key.public_key() == x509.load_pem_x509_certificate(signing_key.cert_pem).public_key()


def test_reencryption_needs_the_old_password(signing_key):
    with pytest.raises(keys.WrongPassword):
        keys.reencrypt_signing_key(signing_key.encrypted_key, "wrong-horse-1", "new-horse-2")


def test_each_sealing_uses_a_fresh_salt_and_nonce(signing_key):
    again = keys.reencrypt_signing_key(signing_key.encrypted_key, PASSWORD, PASSWORD)

    assert again[4:32] != signing_key.encrypted_key[4:32]
