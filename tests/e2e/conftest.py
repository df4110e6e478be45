"""Browser journeys (issue 6): the real app on a free local port, on its own SQLite file with the
demo loaded, driven by Playwright through Debian's Chromium (no browser download).

Skipped, with the reason, where /usr/bin/chromium or the playwright package is missing; `.ci/run`
installs Chromium (ACCORD_EXTRA_PACKAGES=chromium) so CI runs them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.demo import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLASK = [sys.executable, "-m", "flask"]
CHINA = ZoneInfo("Asia/Shanghai")

# Phone-sized, as a delegate holds it in the hall.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# Page loads and form posts are local: a wait this long means something is wrong.
TIMEOUT_MS = 15_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(instance: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ACCORD_", "FLASK_")) and key != "DATABASE_URL"
    }
    env.update(
        FLASK_APP="wsgi.py",
        DATABASE_URL=f"sqlite:///{instance / 'accord-e2e.sqlite3'}",
        ACCORD_INSTANCE_PATH=str(instance),
        SECRET_KEY="e2e-secret-key",
        ACCORD_CA_PASSPHRASE="e2e-ca-passphrase",
        ACCORD_FONT_CACHE_DIR=str(ROOT / ".pytest_cache" / "d" / "accord-stamp-font"),
        # Every journey signs in many times from one address; pbkdf2 with few rounds keeps each
        # sign-in (and each signature's key derivation) fast.
        LOGIN_RATE_LIMIT="1000 per minute",
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        ACCORD_TICK_EVERY="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped with code {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the server did not answer {url} within 30 s:\n{log.read_text()}")


class Server:
    def __init__(self, url: str, env: dict[str, str], log: Path):
        self.url = url
        self.env = env
        self.log = log

    def delegates(self, usernames: list[str]) -> dict[str, dict[str, str]]:
        """Each user's employee number on the congress roster and a personal access token, as
        they would create one under Profile → API access; made here in one command so that many
        delegates can vote quickly."""
        result = subprocess.run(
            [sys.executable, "-m", "tests.e2e.delegate_tokens", *usernames],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def api(self, method: str, path: str, token: str, body: dict | None = None) -> dict:
        """A JSON API call with a bearer token; fails the test on an error status."""
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            pytest.fail(f"{method} {path}: {error.code} {error.read().decode()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real app, migrated and seeded with the demo, served by `flask run` on a free port."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = server_env(instance)
    flask(env, "db", "upgrade")
    flask(env, "accord", "seed-demo")
    port = free_port()
    log = instance / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*FLASK, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield Server(url, env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def journeys() -> dict:
    """What one journey leaves for the next (journey 3 signs the contract journey 2 made)."""
    return {}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


def open_page(browser, server: Server, phone: bool = False, path: str = "/verify"):
    """A page in a fresh browser context (its own cookies), reading English."""
    context = browser.new_context(base_url=server.url, **(PHONE if phone else {}))
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{path}?lang=en")  # the session keeps the language from here on
    return page


def sign_in_on(page, username: str):
    """Sign in on the login page as a demo user; English, chosen before, stays."""
    from playwright.sync_api import expect

    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


@pytest.fixture(scope="session", autouse=True)
def holiday_calendar(browser, server):
    """Deadlines are refused in a year without a holiday schedule, and the calendar package knows
    none after its last year. Where next year, or the year of the journeys' deadlines (the
    longest is the 20-day written response), is unknown, the federation administrator enters a
    schedule on the admin page first: test data with New Year's Day only — enough for deadlines
    a few weeks ahead, not the State Council's notice."""
    from playwright.sync_api import expect

    from workflows.calendar import PACKAGE_YEARS

    today = datetime.now(CHINA).date()
    last = max(today.year + 1, (today + timedelta(days=40)).year)
    missing = range(PACKAGE_YEARS[-1] + 1, last + 1)
    if not missing:
        return
    page = sign_in_on(open_page(browser, server, path="/login"), "federation-admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Holiday calendar").click()
    for year in missing:
        page.get_by_label("Year").fill(str(year))
        page.get_by_label("Holidays (放假)").fill(f"{year}-01-01")
        page.get_by_label("Source (the State Council's notice)").fill(
            "e2e test data: New Year's Day only, not the State Council's notice"
        )
        page.get_by_role("button", name="Save schedule").click()
        expect(page.locator(".flash-success")).to_contain_text(str(year))
    page.context.close()


@pytest.fixture
def visitor(browser, server, request):
    """visitor(phone=False, path="/verify") → a page in a fresh browser context (its own
    cookies), reading English."""
    pages = []

    def new_page(phone: bool = False, path: str = "/verify"):
        pages.append(open_page(browser, server, phone, path))
        return pages[-1]

    yield new_page
    if request.node.stash.get(FAILED, False):
        # What each browser showed when the journey failed, and what the server said.
        for n, page in enumerate(pages):
            screenshot(page, f"failed-{request.node.name}-{n}")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"failed-{request.node.name}-server.log").write_text(server.log.read_text())
    for page in pages:
        page.context.close()


@pytest.fixture
def signed_in(visitor):
    """signed_in(username, phone=False) → a page signed in as that demo user, reading English."""
    return lambda username, phone=False: sign_in_on(visitor(phone, "/login"), username)


def screenshot(page, name: str) -> Path:
    """The journey's last page, kept under tests/e2e/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
