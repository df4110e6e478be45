"""The deployment's certificate authority (证书颁发机构) and each person's signing key (签名密钥).

A contract signature (签名) must be personal: every signer has their own key pair and a certificate
issued by this deployment's own CA. The CA's private key is kept encrypted under a passphrase held
by the operator; a signer's private key is kept encrypted under a key derived from that signer's
password, so it can only be used while the signer re-enters the password (DESIGN §4 "Contract").

Plain functions over bytes and `cryptography` objects: no database, no request.

Keys are ECDSA on P-256: pyHanko signs and validates them, and a key pair is generated in well under
a millisecond, where RSA 2048 takes tens.

A signer's certificate says who signed, in its subject:
- commonName (CN): the person's full name (姓名), shown as the signer;
- userID (UID, RFC 4519): the account's username, and
- serialNumber: the account's numeric user id, so a verified signature leads back to one account.
"""

import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import NameOID, ObjectIdentifier

CA_VALIDITY = timedelta(days=20 * 365)
SIGNING_KEY_VALIDITY = timedelta(days=5 * 365)
DEFAULT_CA_NAME = "Accord 工资集体协商 CA"
# id-kp-documentSigning (RFC 9336); `cryptography` has no name for it yet.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

# The signing key blob, version 1:
#   version (1 byte) | log2(n), r, p of scrypt (1 byte each) | salt (16) | nonce (12) | ciphertext
# The header is authenticated with the ciphertext (AES-GCM associated data): a changed parameter
# is caught like any other damage. The parameters travel with the blob, so new keys can get dearer
# ones while old blobs still open. n = 2**17, r = 8, p = 1 (OWASP's recommendation for scrypt,
# dearer than the password hash's 2**15) costs about 0.3 s and 128 MiB per opening, paid once a
# signature. A blob sealed with less is sealed again with the current cost when its owner next
# opens it (`needs_rewrap`). The test suite uses 2**14 (app.config KEY_SCRYPT_LOG2_N) to stay fast.
_BLOB_VERSION = 1
_HEADER = struct.Struct(">BBBB")
SCRYPT_LOG2_N = 17
_SCRYPT_R, _SCRYPT_P = 8, 1
# The CA key, sealed the same way under ACCORD_CA_PASSPHRASE (PKCS#8's PBKDF2 did only 2,048
# rounds); a CA key still in PKCS#8 PEM opens too and is sealed again (`ca_key_needs_rewrap`).
_CA_MARK = b"ACCORD-CA-KEY-1\n"
_SALT_BYTES, _NONCE_BYTES = 16, 12
# A damaged header must not make us spend minutes or gigabytes before the tag check fails.
_MAX_LOG2_N, _MAX_R, _MAX_P = 20, 32, 16


class SigningKeyError(Exception):
    """Key material (CA key or a signing key) could not be used."""


class WrongPassphrase(SigningKeyError):
    """The CA's passphrase does not decrypt the CA's private key."""


class WrongPassword(SigningKeyError):
    """The password does not unlock this signing key, or the stored key is damaged."""


@dataclass(frozen=True)
class CaMaterial:
    """The deployment's CA (证书颁发机构) as stored: its certificate and its encrypted key."""

    cert_pem: bytes
    encrypted_key_pem: bytes


@dataclass(frozen=True)
class SigningKeyMaterial:
    """A person's signing key (签名密钥) as stored: certificate, encrypted key and its facts."""

    cert_pem: bytes
    encrypted_key: bytes
    serial: int
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str


def create_ca(
    passphrase: str,
    common_name: str = DEFAULT_CA_NAME,
    *,
    now: datetime | None = None,
    log2_n: int = SCRYPT_LOG2_N,
) -> CaMaterial:
    """Create the deployment's self-signed CA, valid ~20 years, its key encrypted at rest.

    The key is sealed under the passphrase (scrypt, AES-256-GCM), so a copy of the database alone
    cannot issue certificates.
    """
    if not passphrase:
        raise SigningKeyError("the CA needs a non-empty passphrase")
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CaMaterial(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        encrypted_key_pem=seal_ca_key(key, passphrase, log2_n),
    )


def seal_ca_key(key: ec.EllipticCurvePrivateKey, passphrase: str, log2_n: int) -> bytes:
    return _CA_MARK + _seal(key, passphrase, log2_n)


def ca_key_needs_rewrap(material: CaMaterial, log2_n: int) -> bool:
    """Whether the CA key is sealed with less than `log2_n` (or still in PKCS#8 PEM)."""
    blob = material.encrypted_key_pem
    return not blob.startswith(_CA_MARK) or needs_rewrap(blob[len(_CA_MARK) :], log2_n)


def load_ca(
    material: CaMaterial, passphrase: str
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The CA's certificate and decrypted private key, to issue signing keys with."""
    cert = x509.load_pem_x509_certificate(material.cert_pem)
    blob = material.encrypted_key_pem
    try:
        if blob.startswith(_CA_MARK):
            key = unlock_signing_key(blob[len(_CA_MARK) :], passphrase)
        else:  # PKCS#8 PEM, as CAs were stored before
            key = serialization.load_pem_private_key(blob, passphrase.encode() or None)
    except (ValueError, TypeError, WrongPassword) as error:
        raise WrongPassphrase("the passphrase does not decrypt the CA's private key") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise SigningKeyError("the CA's private key does not belong to its certificate")
    return cert, key


def issue_signing_key(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    user_id: int,
    username: str,
    full_name: str,
    password: str,
    now: datetime | None = None,
    log2_n: int = SCRYPT_LOG2_N,
) -> SigningKeyMaterial:
    """Generate a person's key pair and certificate (~5 years), the key sealed by their password.

    The certificate allows digital signatures and non-repudiation (不可否认) only, and names
    document signing (RFC 9336) as its one extended purpose, so it is no use for anything but
    signing documents.
    """
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, full_name),
            x509.NameAttribute(NameOID.USER_ID, username),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, str(user_id)),
        ]
    )
    serial = x509.random_serial_number()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(min(now + SIGNING_KEY_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return SigningKeyMaterial(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        encrypted_key=_seal(key, password, log2_n),
        serial=serial,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def unlock_signing_key(encrypted_key: bytes, password: str) -> ec.EllipticCurvePrivateKey:
    """Decrypt a signing key with its owner's password, at the moment they sign."""
    header_size = _HEADER.size + _SALT_BYTES + _NONCE_BYTES
    if len(encrypted_key) <= header_size:
        raise WrongPassword("the stored signing key is damaged")
    version, log2_n, r, p = _HEADER.unpack_from(encrypted_key)
    if version != _BLOB_VERSION:
        raise WrongPassword(f"the stored signing key has an unknown format (version {version})")
    if not (1 <= log2_n <= _MAX_LOG2_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise WrongPassword("the stored signing key is damaged")
    salt = encrypted_key[_HEADER.size : _HEADER.size + _SALT_BYTES]
    nonce = encrypted_key[_HEADER.size + _SALT_BYTES : header_size]
    try:
        sealing_key = _derive(password, salt, log2_n, r, p)
        der = AESGCM(sealing_key).decrypt(
            nonce, encrypted_key[header_size:], encrypted_key[: _HEADER.size + _SALT_BYTES]
        )
    except (InvalidTag, ValueError) as error:
        raise WrongPassword("wrong password, or the stored signing key is damaged") from error
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise WrongPassword("the stored signing key is not an EC key")
    return key


def reencrypt_signing_key(
    encrypted_key: bytes, old_password: str, new_password: str, log2_n: int = SCRYPT_LOG2_N
) -> bytes:
    """Seal the same signing key under a new password, when its owner changes their password.

    The certificate stays the same: the key pair does not change, only its wrapping.
    """
    return _seal(unlock_signing_key(encrypted_key, old_password), new_password, log2_n)


def needs_rewrap(encrypted_key: bytes, log2_n: int) -> bool:
    """Whether a blob was sealed with a cheaper scrypt than `log2_n` (to seal it again)."""
    return len(encrypted_key) > _HEADER.size and _HEADER.unpack_from(encrypted_key)[1] < log2_n


def seal_signing_key(key: ec.EllipticCurvePrivateKey, password: str, log2_n: int) -> bytes:
    return _seal(key, password, log2_n)


def _seal(key: ec.EllipticCurvePrivateKey, password: str, log2_n: int = SCRYPT_LOG2_N) -> bytes:
    header = _HEADER.pack(_BLOB_VERSION, log2_n, _SCRYPT_R, _SCRYPT_P)
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    sealing_key = _derive(password, salt, log2_n, _SCRYPT_R, _SCRYPT_P)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return header + salt + nonce + AESGCM(sealing_key).encrypt(nonce, der, header + salt)


def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(password.encode())


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
