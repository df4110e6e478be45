"""Configuration read from the environment. Nothing secret lives in the code."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("ACCORD_INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: Path = INSTANCE_PATH) -> str:
    """Return SECRET_KEY from the environment, else a random key kept in instance/ (mode 0600)."""
    return instance_secret("SECRET_KEY", "secret_key", instance_path)


def instance_secret(variable: str, filename: str, instance_path: Path = INSTANCE_PATH) -> str:
    """The environment variable's value, else a random secret kept in instance/ (mode 0600)."""
    if key := os.environ.get(variable):
        return key
    path = instance_path / filename
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'accord.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=14)  # flask-login's default is a year
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024))

    # scrypt's cost for the signing keys and the CA key at rest (app.auth.keys); tests lower it.
    KEY_SCRYPT_LOG2_N = int(os.environ.get("KEY_SCRYPT_LOG2_N", "17"))
    # werkzeug's password hashing; tests use a cheap method to stay fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins only: per username (from any address), and per address (all usernames).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "100 per minute")
    # How many reverse proxies in front set X-Forwarded-For/-Proto (werkzeug's ProxyFix); 0 reads
    # the connection's own address, which behind a proxy is the proxy's.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Accord <accord@localhost>")
    # Absolute links in emails (no request to take the host from).
    SERVER_BASE_URL = os.environ.get("SERVER_BASE_URL", "http://127.0.0.1:5000")

    # The signing CA's private key is encrypted under this passphrase; when it is not set, a
    # random one is kept in instance/ca_passphrase (mode 0600) — back it up with the database.
    CA_PASSPHRASE = os.environ.get("ACCORD_CA_PASSPHRASE")
    # The signature stamp's font, cut from Noto Sans CJK once and kept here.
    FONT_CACHE_DIR = Path(os.environ.get("ACCORD_FONT_CACHE_DIR", INSTANCE_PATH / "fonts"))
    # Failed signing attempts (wrong password or name) a person may make.
    SIGNING_RATE_LIMIT = os.environ.get("SIGNING_RATE_LIMIT", "5 per 15 minutes")
    # Failed check-ins (a wrong code) a person may make, and all delegates of a sitting together.
    CHECK_IN_RATE_LIMIT = os.environ.get("CHECK_IN_RATE_LIMIT", "5 per 15 minutes")
    CHECK_IN_SESSION_RATE_LIMIT = os.environ.get(
        "CHECK_IN_SESSION_RATE_LIMIT", "200 per 15 minutes"
    )
    # The largest PDF the public verification page reads.
    VERIFY_MAX_BYTES = int(os.environ.get("VERIFY_MAX_BYTES", 8 * 1024 * 1024))
    # Uploads to the public verification page per address.
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    # Each verification runs in a child process: its wall and CPU time, the memory it may add,
    # and how many run at once per web process (another upload meanwhile is answered 503).
    VERIFY_TIMEOUT_SECONDS = float(os.environ.get("VERIFY_TIMEOUT_SECONDS", 10))
    VERIFY_MEMORY_MB = int(os.environ.get("VERIFY_MEMORY_MB", 512))
    VERIFY_WORKERS = int(os.environ.get("VERIFY_WORKERS", 2))

    # Seconds between background ticks in the web process; 0 = off (run `flask accord tick`
    # from cron instead, as in production).
    TICK_EVERY = int(os.environ.get("ACCORD_TICK_EVERY", 0))

    API_TITLE = "Accord API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("ACCORD_TEST_DATABASE_URL") or "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    KEY_SCRYPT_LOG2_N = 14
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    TICK_EVERY = 0
    CA_PASSPHRASE = "test-ca-passphrase"
    # Built once per machine, shared by test runs (the stamp font takes seconds to cut).
    FONT_CACHE_DIR = PROJECT_ROOT / ".pytest_cache" / "d" / "accord-stamp-font"
