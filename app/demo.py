"""Demo data (演示数据): two Taizhou regions, three enterprises and everyone who negotiates in them.

`seed_demo()` loads it once through the ordinary operations, so every row has its audit
events, with the federation administrator as actor. It only flushes; the caller commits.
Every name, code and address is fictional; the wage figures are sample figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

from app.audit.operations import record
from app.auth.models import GlobalRole, Role, User
from app.auth.operations import add_membership, create_user, find_user
from app.extensions import db
from app.orgs.operations import create_enterprise, create_region, set_guideline, update_enterprise
from workflows.credit_code import check_character

DEMO_PASSWORD = "accord-demo"
ADMIN_USERNAME = "federation-admin"
EMAIL_DOMAIN = "demo.accord.local"

# No official figures were at hand: these monthly minimum wages are samples, not a published rule.
SAMPLE_WAGE_NOTE = "示例数据（sample figures），非官方公布标准"


@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: str
    english: str
    officer: str  # username of the region's labour officer
    minimum_wage_fen: int
    guidelines: dict[int, tuple[int, int, int]]  # year -> (lower, base, upper) in basis points


@dataclass(frozen=True)
class DemoEnterprise:
    prefix: str  # short ASCII code starting every username of the enterprise
    short: str  # short Chinese name used in descriptions
    name: str
    english: str
    region: str  # DemoRegion.code
    credit_prefix: str  # first 17 characters; the check character is computed
    industry: str
    headcount: int
    address: str
    union_reps: int  # including the chair
    employer_reps: int  # including the chief
    delegates: int  # including the chair and the second union rep, who are delegates too


REGIONS = [
    DemoRegion(
        code="taizhou-hailing", name="泰州市海陵区", english="Hailing", officer="officer-hailing",
        minimum_wage_fen=2490_00,
        guidelines={2025: (300, 500, 700), 2026: (250, 450, 650)},
    ),
    DemoRegion(
        code="taizhou-jingjiang", name="靖江市", english="Jingjiang", officer="officer-jingjiang",
        minimum_wage_fen=2260_00,
        guidelines={2025: (300, 500, 700), 2026: (300, 480, 660)},
    ),
]

# Characters 1-2 "91": an enterprise registered with market regulation; 3-8: the administrative
# division (321202 海陵区, 321282 靖江市); 9-17: a fictional organisation code.
ENTERPRISES = [
    DemoEnterprise(
        prefix="yg", short="永固机械", name="泰州永固机械制造有限公司",
        english="Yonggu Machinery", region="taizhou-hailing",
        credit_prefix="91321202MA1YG7K23", industry="机械制造", headcount=1260,
        address="江苏省泰州市海陵区工业园区永固路18号",
        union_reps=4, employer_reps=3, delegates=36,
    ),
    DemoEnterprise(
        prefix="cj", short="长江船舶", name="靖江长江船舶重工有限公司",
        english="Changjiang Shipbuilding", region="taizhou-jingjiang",
        credit_prefix="91321282MA1CJ4R86", industry="船舶制造", headcount=2850,
        address="江苏省靖江市新港园区沿江大道99号",
        union_reps=3, employer_reps=4, delegates=57,
    ),
    DemoEnterprise(
        prefix="ky", short="康源药业", name="泰州康源药业有限公司",
        english="Kangyuan Pharmaceutical", region="taizhou-hailing",
        credit_prefix="91321202MA1KY3P51", industry="医药制造", headcount=740,
        address="江苏省泰州市海陵区康源路6号",
        union_reps=4, employer_reps=4, delegates=48,
    ),
]

# 40 surnames and 53 given names: as 40 and 53 are coprime, person n gets a name no one
# before them (among the first 2120) has.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡丁"
)
GIVEN_NAMES = (
    "建国", "海燕", "志强", "秀英", "伟", "丽娟", "军", "晓东", "桂兰", "明",
    "玉梅", "国平", "静", "春华", "立新", "芳", "德明", "红霞", "永刚", "婷",
    "卫东", "淑珍", "勇", "晓燕", "洪涛", "敏", "文杰", "美玲", "建华", "雪梅",
    "宏伟", "小红", "振华", "丹", "家豪", "秀兰", "鹏", "艳", "俊杰", "金凤",
    "磊", "慧", "志勇", "凤英", "浩然", "琳", "国庆", "佳怡", "亮", "翠萍",
    "子轩", "雅琴", "长林",
)


def person_name(n: int) -> str:
    """The n-th demo person's full name; distinct for every n below 2120."""
    return SURNAMES[n % len(SURNAMES)] + GIVEN_NAMES[n % len(GIVEN_NAMES)]


def credit_code(spec: DemoEnterprise) -> str:
    return spec.credit_prefix + check_character(spec.credit_prefix)


def _email(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


def _delegate_username(spec: DemoEnterprise, n: int) -> str:
    return f"{spec.prefix}-delegate-{n:02d}"


def demo_logins() -> list[tuple[str, str]]:
    """(username, description) for every demo role worth trying; one password for all."""
    logins = [(ADMIN_USERNAME, "总工会管理员（federation administrator）")]
    for region in REGIONS:
        logins.append((region.officer,
                       f"{region.name}劳动行政部门审查员（labour officer, {region.english}）"))
    for e in ENTERPRISES:
        logins += [
            (f"{e.prefix}-union-chair", f"{e.short} 工会主席，兼职工代表（union chair, also a "
                                        f"delegate, {e.english}）"),
            (f"{e.prefix}-union-2", f"{e.short} 工会代表，兼职工代表（union representative, "
                                    f"also a delegate, {e.english}）"),
            (f"{e.prefix}-employer-chief", f"{e.short} 企业方首席代表、法定代表人（employer chief "
                                           f"representative, {e.english}）"),
            (f"{e.prefix}-employer-2", f"{e.short} 企业方代表（employer representative, "
                                       f"{e.english}）"),
            (f"{e.prefix}-secretary", f"{e.short} 职代会秘书（congress secretary, {e.english}）"),
            (_delegate_username(e, 1), f"{e.short} 职工代表（delegate, {e.english}）"),
            (_delegate_username(e, 2), f"{e.short} 职工代表（delegate, {e.english}）"),
        ]
    return logins


def _quick_user(username: str, full_name: str, password_hash: str, actor: User, *,
                global_role: str | None = None, region=None) -> User:
    """A user sharing an existing password hash: hashing ~160 times would take minutes.

    Writes the same row and audit event as `create_user`, without the welcome notification.
    """
    user = User(username=username, full_name=full_name, email=_email(username),
                password_hash=password_hash, global_role=global_role, region=region)
    db.session.add(user)
    db.session.flush()
    record(user, "user_created", actor, data={"username": username, "global_role": global_role})
    return user


def _seed_enterprise(spec: DemoEnterprise, region, names: Iterator[str], password_hash: str,
                     admin: User) -> None:
    employer_chief_name = next(names)  # the legal representative leads the employer side
    enterprise = create_enterprise(
        name=spec.name, credit_code=credit_code(spec), region=region, industry=spec.industry,
        headcount=spec.headcount, address=spec.address,
        legal_representative=employer_chief_name, actor=admin,
    )

    def member(username: str, full_name: str, *roles: Role) -> User:
        user = _quick_user(username, full_name, password_hash, admin)
        for role in roles:
            add_membership(user, enterprise, role, admin)
        return user

    p = spec.prefix
    member(f"{p}-employer-chief", employer_chief_name, Role.EMPLOYER_REP)
    for n in range(2, spec.employer_reps + 1):
        member(f"{p}-employer-{n}", next(names), Role.EMPLOYER_REP)

    # The chair and the second union rep sit in the congress too (counted as delegates).
    chair = member(f"{p}-union-chair", next(names), Role.UNION_REP, Role.DELEGATE)
    member(f"{p}-union-2", next(names), Role.UNION_REP, Role.DELEGATE)
    for n in range(3, spec.union_reps + 1):
        member(f"{p}-union-{n}", next(names), Role.UNION_REP)
    update_enterprise(enterprise, admin, union_chair=chair)

    member(f"{p}-secretary", next(names), Role.CONGRESS_SECRETARY)
    for n in range(1, spec.delegates - 2 + 1):
        member(_delegate_username(spec, n), next(names), Role.DELEGATE)


def seed_demo() -> bool:
    """Load the demo data; False, changing nothing, when it is loaded already. Flushes only."""
    if find_user(ADMIN_USERNAME) is not None:
        return False

    names = (person_name(n) for n in count())
    admin = create_user(ADMIN_USERNAME, next(names), DEMO_PASSWORD,
                        email=_email(ADMIN_USERNAME), global_role=GlobalRole.FEDERATION_ADMIN)
    shared_hash = admin.password_hash

    regions = {}
    for spec in REGIONS:
        region = create_region(spec.code, spec.name, spec.minimum_wage_fen, admin,
                               minimum_wage_note=SAMPLE_WAGE_NOTE)
        for year, (lower, base, upper) in spec.guidelines.items():
            set_guideline(region, year, lower, base, upper, admin)
        _quick_user(spec.officer, next(names), shared_hash, admin,
                    global_role=GlobalRole.LABOUR_OFFICER, region=region)
        regions[spec.code] = region

    for spec in ENTERPRISES:
        _seed_enterprise(spec, regions[spec.region], names, shared_hash, admin)

    return True
