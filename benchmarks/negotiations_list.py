"""Benchmark: the negotiations overview (`GET /negotiations`) with 10,000 negotiations over 100
enterprises, over HTTP against gunicorn on PostgreSQL (issue 6). Not part of the test suite.

    .venv/bin/python benchmarks/negotiations_list.py [--base-url URL] [--requests 200] [--clients 4]

It creates a fresh database `accord_bench_<random>` (dropped at the end), runs the migrations and
loads with bulk inserts: five regions, 100 enterprises, for each a union and an employer
representative (users with memberships), a federation administrator who sees every enterprise,
and negotiations over the enterprises in a realistic spread of states (mostly ratified, some
abandoned, the rest in progress — some of the requests overdue), with what the list shows:
subject, state, enterprise, region, requested on, response due. Then:

1. queries per request, in process (the Flask test client signed in through the login form, a
   SQLAlchemy `before_cursor_execute` counter): `GET /negotiations` as the administrator and as
   one enterprise's union representative, and `GET /api/v1/negotiations` with the
   administrator's API token (its default 10 a page, and 50 a page as the page shows), at 1,000
   negotiations and again at 10,000: equal counts mean no query per negotiation stored, and the
   API's two page sizes tell whether there is one per negotiation shown; and the time of 50 such
   requests one after the other (median and fastest) at both sizes;
2. gunicorn on the 10,000: both sign in through the login form (the CSRF token from the login
   page, the session cookie), then `--requests` of each list from `--clients` threads (one
   request in flight each), timed: p50 and p95, beside as many requests of the trivial endpoint
   (`GET /static/css/accord.css`) on the same server;
3. each gunicorn worker's RSS (VmRSS) right after the start and after the load.

The page shows 50 negotiations a page (`PER_PAGE` in app/negotiations/views/overview.py) and a
count of all of them; the first page is the one measured, as the API's first page (its default
size).
Target (issue 6): p95 < 150 ms; as many queries per request at 10,000 as at 1,000. Written to
benchmarks/results-negotiations-list.txt; `measure` and `summary` serve benchmarks/run_all.py.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import re
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from harness import (  # noqa: E402  (the path above first)
    DEFAULT_BASE_URL,
    TRIVIAL_PATH,
    default_workers,
    fire,
    free_port,
    gunicorn_setup,
    percentile,
    start_gunicorn,
    stop_gunicorn,
    temporary_database,
    workers_rss,
)

ENTERPRISES = 100
FEW, MANY = 1_000, 10_000
PASSWORD = "bench-password"
ADMIN, UNION_REP = "bench-admin", "bench-union-000"
PAGE_PATH, API_PATH = "/negotiations", "/api/v1/negotiations"
TARGET_P95_MS = 150
RESULTS = ROOT / "benchmarks" / "results-negotiations-list.txt"

REGIONS = [
    ("bench-tz", "泰州市", 2490_00),
    ("bench-nj", "南京市", 2490_00),
    ("bench-sz", "苏州市", 2490_00),
    ("bench-yz", "扬州市", 2260_00),
    ("bench-lyg", "连云港市", 2260_00),
]
DIVISIONS = ["321202", "320102", "320505", "321002", "320703"]  # 行政区划代码, one per region
INDUSTRIES = ["机械制造", "医药", "纺织", "化工", "电子", "食品", "建材", "物流"]
NAME_WORDS = ["恒通", "华盛", "永泰", "金源", "宏达", "瑞丰", "新康", "明远", "润和", "东方"]
# What a federation's list looks like after some years: most negotiations done, a few refused
# or abandoned, the rest on their way. The weights are percentages.
STATE_WEIGHTS = {
    "ratified": 60,
    "abandoned": 10,
    "draft": 4,
    "requested": 6,
    "preparing": 4,
    "negotiating": 8,
    "suspended": 2,
    "in_dispute": 2,
    "agreed": 2,
    "in_congress": 2,
}
# About 20 working days (集体合同规定 Art 32) in calendar days; the list shows the date only.
RESPONSE_DAYS = 28


# --- the data ----------------------------------------------------------------------------------


@dataclass
class World:
    enterprise_ids: list[int]
    union_rep_ids: list[int]
    employer_rep_ids: list[int]
    admin_token: str


def load_people_and_enterprises(app) -> World:
    """Migrate; regions, enterprises, their representatives with memberships, the federation
    administrator with an API token."""
    from flask_migrate import upgrade
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from app.auth.models import ApiToken, GlobalRole, Membership, Role, User
    from app.extensions import db
    from app.orgs.models import Enterprise, Region
    from workflows.credit_code import check_character

    rng = random.Random(6)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        region_ids = db.session.scalars(
            insert(Region).returning(Region.id, sort_by_parameter_order=True),
            [{"code": c, "name": n, "minimum_wage_fen": w} for c, n, w in REGIONS],
        ).all()
        enterprises = []
        for i in range(ENTERPRISES):
            region = i % len(REGIONS)
            prefix = f"91{DIVISIONS[region]}MA{i:07d}"
            city = REGIONS[region][1].removesuffix("市")
            industry = INDUSTRIES[i % len(INDUSTRIES)]
            enterprises.append(
                {
                    "name": f"{city}{NAME_WORDS[i % 10]}{NAME_WORDS[i // 10]}{industry}有限公司",
                    "credit_code": prefix + check_character(prefix),
                    "region_id": region_ids[region],
                    "industry": industry,
                    "headcount": rng.randint(200, 5000),
                }
            )
        enterprise_ids = db.session.scalars(
            insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True),
            enterprises,
        ).all()
        # One cheap hash for all: the benchmark signs in, it does not time password hashing.
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        people = [
            {
                "username": ADMIN,
                "full_name": "总工会管理员",
                "email": f"{ADMIN}@bench.invalid",
                "password_hash": password_hash,
                "global_role": GlobalRole.FEDERATION_ADMIN.value,
            }
        ]
        for side, title in (("union", "工会代表"), ("employer", "企业方代表")):
            people += [
                {
                    "username": f"bench-{side}-{i:03d}",
                    "full_name": f"{title}{i:03d}",
                    "email": f"bench-{side}-{i:03d}@bench.invalid",
                    "password_hash": password_hash,
                }
                for i in range(ENTERPRISES)
            ]
        user_ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), people
        ).all()
        admin_id = user_ids[0]
        union_ids = user_ids[1 : ENTERPRISES + 1]
        employer_ids = user_ids[ENTERPRISES + 1 :]
        db.session.execute(
            insert(Membership),
            [
                {"user_id": user_id, "enterprise_id": enterprise_id, "role": role.value}
                for ids, role in ((union_ids, Role.UNION_REP), (employer_ids, Role.EMPLOYER_REP))
                for user_id, enterprise_id in zip(ids, enterprise_ids, strict=True)
            ],
        )
        token = "acc_" + secrets.token_urlsafe(32)
        db.session.execute(
            insert(ApiToken),
            [
                {
                    "user_id": admin_id,
                    "name": "bench",
                    "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    "prefix": token[:10],
                }
            ],
        )
        db.session.commit()
        db.session.remove()
    return World(list(enterprise_ids), list(union_ids), list(employer_ids), token)


def negotiation_rows(world: World, count: int, today) -> list[dict]:
    """`count` negotiations, oldest first, over the last ten years, round the enterprises."""
    rng = random.Random(10)
    states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
    first = today - timedelta(days=3650)
    rows = []
    for n in range(count):
        e = n % len(world.enterprise_ids)
        state = rng.choices(states, weights)[0]
        requested = first + timedelta(days=3650 * n // count)
        side = "union" if rng.random() < 0.8 else "employer"
        creators = world.union_rep_ids if side == "union" else world.employer_rep_ids
        row = {
            "enterprise_id": world.enterprise_ids[e],
            "state": state,
            "initiator_side": side,
            "created_by_id": creators[e],
            # written a few days before it was sent, in the morning in China
            "created_at": datetime.combine(requested - timedelta(days=3), dt_time(1), UTC),
            "subject": f"{requested.year}年度能级工资集体协商",
            "term_years": rng.randint(1, 3),
            "topics": "能级工资标准、技能津贴、年度工资调整机制",
            "proposed_place": "公司三楼会议室",
        }
        if state != "draft":
            row["requested_on"] = requested
            row["response_due"] = requested + timedelta(days=RESPONSE_DAYS)
        if state not in ("draft", "requested"):
            row["responded_on"] = requested + timedelta(days=rng.randint(3, 25))
        if state == "abandoned" and rng.random() < 0.5:
            row["refusal_reason"] = "本年度已签订工资专项集体合同，暂不进行协商。"
        if state == "in_dispute":
            row["dispute_started_on"] = requested + timedelta(days=40)
            row["dispute_due"] = requested + timedelta(days=70)
        rows.append(row)
    return rows


def insert_negotiations(app, rows: list[dict]) -> None:
    from sqlalchemy import insert, text

    from app.extensions import db
    from app.negotiations.models import Negotiation

    # executemany wants every row to name the same columns.
    columns = {c for row in rows for c in row}
    with app.app_context():
        db.session.execute(insert(Negotiation), [{c: row.get(c) for c in columns} for row in rows])
        db.session.commit()
        # What autovacuum does soon after in production: the planner sees the rows.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()


# --- queries per request, in process -----------------------------------------------------------


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def signed_in_client(app, username: str):
    """A test client signed in through the login form, as a browser is."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {response.status_code}")
    return client


def rows_shown(response) -> int:
    if response.is_json:
        return len(response.get_json())
    return response.get_data(as_text=True).count('<li class="card')


@dataclass
class InProcess:
    """One request in process: the SQL statements it runs, the negotiations it shows, and the
    median and fastest of `IN_PROCESS_RUNS` requests one after the other, in milliseconds (the
    fastest is the least disturbed by a busy machine)."""

    statements: int
    shown: int
    median_ms: float
    fastest_ms: float


IN_PROCESS_RUNS = 50


def in_process(app, client, path: str, headers: dict | None = None) -> InProcess:
    """Count the statements of one request (after a first one that fills the caches), then
    time more of them."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client.get(path, headers=headers)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")
    times = []
    for _ in range(IN_PROCESS_RUNS):
        t0 = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
    return InProcess(len(statements), rows_shown(response), statistics.median(times), min(times))


# --- over HTTP ---------------------------------------------------------------------------------


def session_cookie(response: http.client.HTTPResponse) -> str:
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


def sign_in_over_http(port: int, username: str) -> dict[str, str]:
    """Sign in through the login form; returns the headers that carry the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        token = csrf_token(response.read().decode())
        cookie = session_cookie(response)
        conn.request(
            "POST",
            "/login",
            body=urlencode({"csrf_token": token, "username": username, "password": PASSWORD}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = conn.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"{username} could not sign in over HTTP: {response.status}")
        headers = {"Cookie": session_cookie(response)}
        conn.request("GET", PAGE_PATH, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{username} signed in but {PAGE_PATH} answered {response.status}")
        return headers
    finally:
        conn.close()


@dataclass
class Timing:
    """`n` requests of one path; milliseconds."""

    path: str
    n: int
    wall_s: float
    p50_ms: float
    p95_ms: float
    statuses: dict[int, int]

    @property
    def ok(self) -> bool:
        return self.statuses == {200: self.n}


def timed_requests(port: int, path: str, headers: dict, n: int, clients: int) -> Timing:
    wall, latencies, statuses = fire(port, [("GET", path, None, headers)] * n, clients)
    return Timing(
        path,
        n,
        wall,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 95) * 1000,
        dict(sorted(statuses.items())),
    )


@dataclass
class ListFigures:
    database: str
    workers: int
    clients: int
    setup_s: float
    page_bytes: int = 0  # the administrator's first page
    # one request in process, by who/what, at FEW and at MANY negotiations
    queries: dict[str, dict[int, InProcess]] = field(default_factory=dict)
    timings: dict[str, Timing] = field(default_factory=dict)
    rss_started: dict[int, float] = field(default_factory=dict)
    rss_loaded: dict[int, float] = field(default_factory=dict)

    def flat(self, who: str) -> bool:
        return self.queries[who][FEW].statements == self.queries[who][MANY].statements

    @property
    def met(self) -> bool:
        return all(self.flat(who) for who in self.queries) and all(
            t.ok and t.p95_ms < TARGET_P95_MS
            for name, t in self.timings.items()
            if name in ("admin", "union_rep")
        )


WHO = {
    "admin": f"{PAGE_PATH}, federation administrator (all {MANY:,})",
    "union_rep": f"{PAGE_PATH}, union representative of one enterprise ({MANY // ENTERPRISES})",
    "api": f"{API_PATH}, federation administrator, API token",
    "api_50": f"{API_PATH}?page_size=50, the same",
}


def measure(
    base_url: str, requests: int = 200, clients: int = 4, workers: int | None = None
) -> ListFigures:
    workers = workers or default_workers()
    os.environ["ACCORD_TICK_EVERY"] = "0"
    from app import clock, create_app
    from app.extensions import db

    with temporary_database(base_url) as (name, url):
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "TICK_EVERY": 0,
                "SECRET_KEY": secrets.token_hex(32),
                "LOGIN_RATE_LIMIT": "100000 per minute",
            }
        )
        t0 = time.perf_counter()
        world = load_people_and_enterprises(app)
        rows = negotiation_rows(world, MANY, clock.today())
        insert_negotiations(app, rows[:FEW])
        figures = ListFigures(name, workers, clients, setup_s=time.perf_counter() - t0)
        bearer = {"Authorization": f"Bearer {world.admin_token}"}
        clients_in_process = {
            "admin": (signed_in_client(app, ADMIN), PAGE_PATH, None),
            "union_rep": (signed_in_client(app, UNION_REP), PAGE_PATH, None),
            "api": (app.test_client(), API_PATH, bearer),
            # 50 a page as the page shows: a query per row shown would show here
            "api_50": (app.test_client(), f"{API_PATH}?page_size=50", bearer),
        }
        for who, (client, path, headers) in clients_in_process.items():
            figures.queries[who] = {FEW: in_process(app, client, path, headers)}
        t0 = time.perf_counter()
        insert_negotiations(app, rows[FEW:])
        figures.setup_s += time.perf_counter() - t0
        for who, (client, path, headers) in clients_in_process.items():
            figures.queries[who][MANY] = in_process(app, client, path, headers)
        with app.app_context():
            db.engine.dispose()

        port = free_port()
        server = start_gunicorn(url, port, workers)
        try:
            figures.rss_started = workers_rss(server)
            admin = sign_in_over_http(port, ADMIN)
            union_rep = sign_in_over_http(port, UNION_REP)
            loads = {
                "trivial": (TRIVIAL_PATH, {}),
                "admin": (PAGE_PATH, admin),
                "union_rep": (PAGE_PATH, union_rep),
                "api": (API_PATH, bearer),
            }
            # Warm every worker up (first connections, compiled SQL and templates): more
            # connections than workers, so that each worker accepts some.
            fire(
                port,
                [("GET", path, None, headers) for path, headers in loads.values()] * 5 * workers,
                4 * workers,
            )
            for who, (path, headers) in loads.items():
                figures.timings[who] = timed_requests(port, path, headers, requests, clients)
            figures.rss_loaded = workers_rss(server)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", PAGE_PATH, headers=admin)
            figures.page_bytes = len(conn.getresponse().read())
            conn.close()
        finally:
            stop_gunicorn(server)
    return figures


def summary(f: ListFigures) -> list[str]:
    lines = [
        f"setup: migrations, {len(REGIONS)} regions, {ENTERPRISES} enterprises, "
        f"{2 * ENTERPRISES + 1} users with memberships, {MANY:,} negotiations in "
        f"{f.setup_s:.1f} s (bulk inserts)",
        "states: " + ", ".join(f"{s} {w} %" for s, w in STATE_WEIGHTS.items()),
        f"queries per request (in process, after a first request), and the time of "
        f"{IN_PROCESS_RUNS} requests one at a time:",
    ]
    for who, by_count in f.queries.items():
        few, many = by_count[FEW], by_count[MANY]
        lines.append(
            f"  {WHO[who]}: {few.statements} at {FEW:,} negotiations ({few.shown} shown), "
            f"{many.statements} at {MANY:,} ({many.shown} shown) -> "
            + ("flat" if few.statements == many.statements else "GROWS")
            + f"; median {few.median_ms:.0f} ms (fastest {few.fastest_ms:.0f}) at {FEW:,}, "
            f"{many.median_ms:.0f} ms (fastest {many.fastest_ms:.0f}) at {MANY:,}"
        )
    lines.append(
        f"over HTTP, {MANY:,} negotiations, {f.clients} client threads, first page "
        f"({f.page_bytes / 1024:.0f} KiB for the administrator):"
    )
    trivial = f.timings.get("trivial")
    for who, t in f.timings.items():
        label = f"GET {TRIVIAL_PATH} (trivial)" if who == "trivial" else WHO[who]
        lines.append(
            f"  {label}: {t.n} in {t.wall_s:.2f} s = {t.n / t.wall_s:.0f} req/s, "
            f"p50 {t.p50_ms:.1f} ms, p95 {t.p95_ms:.1f} ms"
            + (
                f" ({t.p95_ms / trivial.p95_ms:.1f}x the trivial p95)"
                if trivial and who != "trivial"
                else ""
            )
            + f"; statuses {t.statuses}"
        )
    lines.append(
        "worker RSS after the start / after the load (MiB): "
        + ", ".join(
            f"{pid}: {f.rss_started.get(pid, float('nan')):.0f} / {rss:.0f}"
            for pid, rss in f.rss_loaded.items()
        )
    )
    lines.append(
        f"target: the page's p95 < {TARGET_P95_MS} ms, as many queries at {MANY:,} as at "
        f"{FEW:,} -> " + ("met" if f.met else "NOT met")
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each list")
    parser.add_argument(
        "--clients", type=int, default=4, help="client threads, each one request in flight"
    )
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()

    figures = measure(args.base_url, args.requests, args.clients, args.workers)
    lines = [
        f"Accord negotiations list benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {gunicorn_setup(figures.workers)}, "
        f"PostgreSQL database {figures.database}",
        *summary(figures),
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.write_text(text)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
