"""Demo data (演示数据): two Taizhou regions, three enterprises and everyone who negotiates in them,
each enterprise's wage grid in force, and one negotiation per enterprise at a different stage.

`seed_demo()` loads it once through the ordinary operations, so every row has its audit
events: the federation administrator sets up regions, enterprises and people; the enterprises'
own representatives record the grids and walk the negotiations, dated back from today so their
deadlines mean something. It only flushes; the caller commits.
Every name, code and address is fictional; the wage figures are sample figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy import select

from app import clock
from app.audit.operations import record
from app.auth.models import GlobalRole, Membership, Role, User
from app.auth.operations import add_membership, create_user, find_user
from app.congress import operations as congress_ops
from app.congress.models import Congress, CongressSession, Delegate
from app.extensions import db
from app.negotiations import operations as negotiations
from app.negotiations.models import Negotiation, Round
from app.orgs.models import Enterprise
from app.orgs.operations import create_enterprise, create_region, set_guideline, update_enterprise
from app.wage_grids import operations as wage_grids
from app.wage_grids.models import WageGrid
from app.wage_grids.queries import current_grid
from workflows.credit_code import check_character
from workflows.rules import DEFAULT_GRADES, GradeRow

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
    # The sample wage guidelines (lower, base, upper in basis points) of last year and this year,
    # whatever year the demo is loaded in.
    guidelines: tuple[tuple[int, int, int], tuple[int, int, int]]


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
    # The grid in force, one row per grade of DEFAULT_GRADES: (base wage, skill allowance) in yuan
    # a month, and the headcount at that grade (about three quarters of the staff are graded).
    grid: tuple[tuple[int, int, int], ...]


REGIONS = [
    DemoRegion(
        code="taizhou-hailing",
        name="泰州市海陵区",
        english="Hailing",
        officer="officer-hailing",
        minimum_wage_fen=2490_00,
        guidelines=((300, 500, 700), (250, 450, 650)),
    ),
    DemoRegion(
        code="taizhou-jingjiang",
        name="靖江市",
        english="Jingjiang",
        officer="officer-jingjiang",
        minimum_wage_fen=2260_00,
        guidelines=((300, 500, 700), (300, 480, 660)),
    ),
]

# Characters 1-2 "91": an enterprise registered with market regulation; 3-8: the administrative
# division (321202 海陵区, 321282 靖江市); 9-17: a fictional organisation code.
ENTERPRISES = [
    DemoEnterprise(
        prefix="yg",
        short="永固机械",
        name="泰州永固机械制造有限公司",
        english="Yonggu Machinery",
        region="taizhou-hailing",
        credit_prefix="91321202MA1YG7K23",
        industry="机械制造",
        headcount=1260,
        address="江苏省泰州市海陵区工业园区永固路18号",
        union_reps=4,
        employer_reps=3,
        delegates=36,
        grid=(
            (2400, 200, 80),
            (2700, 400, 210),
            (3100, 700, 300),
            (3500, 1100, 220),
            (4000, 1600, 90),
            (4600, 2200, 35),
            (5200, 2900, 10),
            (6000, 3600, 3),
        ),
    ),
    DemoEnterprise(
        prefix="cj",
        short="长江船舶",
        name="靖江长江船舶重工有限公司",
        english="Changjiang Shipbuilding",
        region="taizhou-jingjiang",
        credit_prefix="91321282MA1CJ4R86",
        industry="船舶制造",
        headcount=2850,
        address="江苏省靖江市新港园区沿江大道99号",
        union_reps=3,
        employer_reps=4,
        delegates=57,
        grid=(
            (2200, 200, 150),
            (2500, 500, 520),
            (2900, 900, 700),
            (3300, 1400, 480),
            (3800, 2000, 190),
            (4400, 2700, 60),
            (5000, 3400, 15),
            (5800, 4200, 5),
        ),
    ),
    DemoEnterprise(
        prefix="ky",
        short="康源药业",
        name="泰州康源药业有限公司",
        english="Kangyuan Pharmaceutical",
        region="taizhou-hailing",
        credit_prefix="91321202MA1KY3P51",
        industry="医药制造",
        headcount=740,
        address="江苏省泰州市海陵区康源路6号",
        union_reps=4,
        employer_reps=4,
        delegates=48,
        grid=(
            (2450, 150, 40),
            (2800, 400, 130),
            (3200, 800, 190),
            (3600, 1300, 120),
            (4100, 1900, 50),
            (4700, 2600, 18),
            (5400, 3300, 6),
            (6200, 4000, 2),
        ),
    ),
]

# 40 surnames and 53 given names: as 40 and 53 are coprime, person n gets a name no one
# before them (among the first 2120) has.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡丁"
GIVEN_NAMES = (
    "建国",
    "海燕",
    "志强",
    "秀英",
    "伟",
    "丽娟",
    "军",
    "晓东",
    "桂兰",
    "明",
    "玉梅",
    "国平",
    "静",
    "春华",
    "立新",
    "芳",
    "德明",
    "红霞",
    "永刚",
    "婷",
    "卫东",
    "淑珍",
    "勇",
    "晓燕",
    "洪涛",
    "敏",
    "文杰",
    "美玲",
    "建华",
    "雪梅",
    "宏伟",
    "小红",
    "振华",
    "丹",
    "家豪",
    "秀兰",
    "鹏",
    "艳",
    "俊杰",
    "金凤",
    "磊",
    "慧",
    "志勇",
    "凤英",
    "浩然",
    "琳",
    "国庆",
    "佳怡",
    "亮",
    "翠萍",
    "子轩",
    "雅琴",
    "长林",
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
        logins.append(
            (region.officer, f"{region.name}劳动行政部门审查员（labour officer, {region.english}）")
        )
    for e in ENTERPRISES:
        logins += [
            (
                f"{e.prefix}-union-chair",
                f"{e.short} 工会主席，兼职工代表（union chair, also a delegate, {e.english}）",
            ),
            (
                f"{e.prefix}-union-2",
                f"{e.short} 工会代表，兼职工代表（union representative, "
                f"also a delegate, {e.english}）",
            ),
            (
                f"{e.prefix}-employer-chief",
                f"{e.short} 企业方首席代表、法定代表人（employer chief "
                f"representative, {e.english}）",
            ),
            (
                f"{e.prefix}-employer-2",
                f"{e.short} 企业方代表（employer representative, {e.english}）",
            ),
            (f"{e.prefix}-secretary", f"{e.short} 职代会秘书（congress secretary, {e.english}）"),
            (_delegate_username(e, 1), f"{e.short} 职工代表（delegate, {e.english}）"),
            (_delegate_username(e, 2), f"{e.short} 职工代表（delegate, {e.english}）"),
        ]
    return logins


def _quick_user(
    username: str,
    full_name: str,
    password_hash: str,
    actor: User,
    *,
    global_role: str | None = None,
    region=None,
) -> User:
    """A user sharing an existing password hash: hashing ~160 times would take minutes.

    Writes the same row and audit event as `create_user`, without the welcome notification.
    """
    user = User(
        username=username,
        full_name=full_name,
        email=_email(username),
        password_hash=password_hash,
        global_role=global_role,
        region=region,
    )
    db.session.add(user)
    db.session.flush()
    record(user, "user_created", actor, data={"username": username, "global_role": global_role})
    return user


def _seed_enterprise(
    spec: DemoEnterprise, region, names: Iterator[str], password_hash: str, admin: User
) -> Enterprise:
    employer_chief_name = next(names)  # the legal representative leads the employer side
    enterprise = create_enterprise(
        name=spec.name,
        credit_code=credit_code(spec),
        region=region,
        industry=spec.industry,
        headcount=spec.headcount,
        address=spec.address,
        legal_representative=employer_chief_name,
        actor=admin,
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
    return enterprise


# --- wage grids and negotiations --------------------------------------------------------------

TOPICS = "各能级基本工资和技能津贴标准；年度工资调整办法；工资支付日"
ADJUSTMENT_RULE = (
    "每年7月1日起，参照上年度企业经济效益、物价变动和泰州市工资指导线，由双方协商调整各能级工资标准"
)
PROMOTION_ITEM = (
    "能级晋升",
    "职工取得高一级职业技能等级证书并经考核合格的，自次月起执行新能级的工资标准。",
)
# Three representatives a side (集体合同规定 Art 19): the union chair and the legal representative
# lead (Art 20, 21).
REPRESENTATIVES = {
    "union": (("union-chair", "工会主席"), ("union-2", "工会副主席"), ("union-3", "车间工会主席")),
    "employer": (
        ("employer-chief", "总经理（法定代表人）"),
        ("employer-2", "人力资源部经理"),
        ("employer-3", "财务部经理"),
    ),
}


def current_rows(spec: DemoEnterprise) -> list[GradeRow]:
    return [
        GradeRow(grade, base * 100, allowance * 100, headcount)
        for grade, (base, allowance, headcount) in zip(DEFAULT_GRADES, spec.grid, strict=True)
    ]


def _raised(rows: list[GradeRow], bp: int) -> list[GradeRow]:
    """Every amount raised by `bp` basis points and rounded to 10 yuan; headcounts unchanged."""

    def raise_(fen: int) -> int:
        return (fen * (10_000 + bp) // 10_000 + 500) // 1000 * 1000

    return [
        GradeRow(r.grade, raise_(r.base_fen), raise_(r.allowance_fen), r.headcount) for r in rows
    ]


def _percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100 // 10}%"


def _person(spec: DemoEnterprise, role: str) -> User:
    return find_user(f"{spec.prefix}-{role}")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of `day` in China, stored in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.CHINA).astimezone(UTC)


def _request(enterprise: Enterprise, spec: DemoEnterprise, sent_on: date) -> Negotiation:
    """The union chair's written request (要约书), sent on `sent_on`."""
    chair = _person(spec, "union-chair")
    negotiation = negotiations.open_negotiation(
        enterprise,
        chair,
        subject=f"{sent_on.year}年度能级工资集体协商",
        term_years=2,
        topics=TOPICS,
        proposed_at=_at(sent_on + timedelta(days=14), 9),
        proposed_place=f"{spec.short}行政楼三楼会议室",
    )
    negotiations.send_request(negotiation, chair, today=sent_on)
    return negotiation


def _talks(enterprise: Enterprise, spec: DemoEnterprise, sent_on: date) -> Negotiation:
    """Request, acceptance, three representatives a side, the recorder, the talks on, the
    clauses filled in."""
    negotiation = _request(enterprise, spec, sent_on)
    chair, chief = _person(spec, "union-chair"), _person(spec, "employer-chief")
    negotiations.accept_request(
        negotiation, chief, "能级晋升与绩效考核挂钩", today=sent_on + timedelta(days=5)
    )
    for side, seats in REPRESENTATIVES.items():
        lead = chair if side == "union" else chief
        for i, (role, position) in enumerate(seats):
            negotiations.appoint_representative(
                negotiation,
                lead,
                side=side,
                user=_person(spec, role),
                position=position,
                is_chief=i == 0,
                today=sent_on + timedelta(days=7),
            )
    negotiations.set_recorder(negotiation, chair, _person(spec, "secretary"))
    negotiations.start_talks(negotiation, chief)
    negotiations.update_clauses(
        negotiation, chair, term_years=2, adjustment_rule=ADJUSTMENT_RULE, pay_day=15
    )
    negotiations.add_item(negotiation, chair, *PROMOTION_ITEM)
    return negotiation


def _round(
    negotiation: Negotiation,
    spec: DemoEnterprise,
    held_on: date,
    union_bp: int,
    employer_bp: int,
    outcome: str,
) -> tuple[Round, WageGrid, WageGrid]:
    """A round: both sides propose a raise of the grid in force; the recorder minutes it."""
    chair, chief = _person(spec, "union-chair"), _person(spec, "employer-chief")
    round_ = negotiations.schedule_round(
        negotiation, chair, _at(held_on, 14, 30), f"{spec.short}行政楼三楼会议室"
    )
    current = current_grid(negotiation.enterprise).grade_rows
    union = negotiations.submit_proposal(
        round_, chair, _raised(current, union_bp), note=f"各能级工资标准上调{_percent(union_bp)}"
    )
    employer = negotiations.submit_proposal(
        round_,
        chief,
        _raised(current, employer_bp),
        note=f"各能级工资标准上调{_percent(employer_bp)}",
    )
    negotiations.write_minutes(
        round_,
        _person(spec, "secretary"),
        f"第{round_.number}轮协商：工会方提出各能级工资标准上调{_percent(union_bp)}，企业方提出"
        f"上调{_percent(employer_bp)}。{outcome}",
    )
    return round_, union, employer


def _seed_negotiations(enterprises: dict[str, Enterprise], today: date) -> None:
    specs = {spec.prefix: spec for spec in ENTERPRISES}

    # 永固机械: talking; one round held a week ago, both proposals on the table.
    yg = specs["yg"]
    negotiation = _talks(enterprises["yg"], yg, today - timedelta(days=30))
    _round(
        negotiation,
        yg,
        today - timedelta(days=7),
        600,
        300,
        "双方就高技能岗位技能津贴交换意见，约定下一轮继续协商。",
    )

    # 长江船舶: the union's request went out six days ago; the employer's answer is due.
    _request(enterprises["cj"], specs["cj"], today - timedelta(days=6))

    # 康源药业: agreed in the second round on the employer's 4.5 %, ready for the congress.
    ky = specs["ky"]
    negotiation = _talks(enterprises["ky"], ky, today - timedelta(days=50))
    chair, chief = _person(ky, "union-chair"), _person(ky, "employer-chief")
    first, _, _ = _round(
        negotiation,
        ky,
        today - timedelta(days=35),
        650,
        300,
        "双方差距较大，企业方承诺下一轮前提供上年度经营数据。",
    )
    second, _, employer = _round(
        negotiation,
        ky,
        today - timedelta(days=21),
        500,
        450,
        "工会方同意企业方方案，双方确认协议草案。",
    )
    for round_ in (first, second):
        negotiations.confirm_minutes(round_, chair)
        negotiations.confirm_minutes(round_, chief)
    negotiations.accept_proposal(negotiation, chair, employer)
    negotiations.accept_proposal(negotiation, chief, employer)


# --- the workers' congress ----------------------------------------------------------------------

CONGRESS_NAME = "第三届职工代表大会"
CONSTITUENCIES = ("一车间代表团", "二车间代表团", "三车间代表团", "质检后勤代表团", "机关代表团")
KY_SESSION_TITLE = "三届三次职工代表大会"


def _seed_congress(enterprise: Enterprise, spec: DemoEnterprise, today: date, admin: User):
    """The congress of the term covering today; its delegates are the enterprise's `delegate`
    members, one in seven a manager (well under the 20 % of 企业民主管理规定 Art 12)."""
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.enterprise_id == enterprise.id, Membership.role == Role.DELEGATE)
        .order_by(User.id)
    ).all()
    congress = Congress(
        enterprise_id=enterprise.id,
        name=CONGRESS_NAME,
        term_start=date(today.year - 1, 3, 1),
        term_end=date(today.year + 3, 2, 28),
    )
    congress.delegates = [
        Delegate(
            user_id=user.id,
            employee_no=f"{spec.prefix.upper()}{1001 + i}",
            name=user.full_name,
            # The last constituency is the offices' (机关), where the managers sit.
            constituency=CONSTITUENCIES[-1] if i % 7 == 3 else CONSTITUENCIES[i % 4],
            is_manager=i % 7 == 3,
            gender="female" if i % 5 in (1, 3) else "male",
        )
        for i, user in enumerate(users)
    ]
    db.session.add(congress)
    db.session.flush()
    record(
        congress,
        "congress_created",
        admin,
        data={"name": congress.name, "delegates": len(congress.delegates)},
    )
    return congress


def _seed_congresses(enterprises: dict[str, Enterprise], today: date, admin: User) -> None:
    congresses = {
        spec.prefix: _seed_congress(enterprises[spec.prefix], spec, today, admin)
        for spec in ENTERPRISES
    }
    # 康源药业: the agreed draft waits, as a secret-ballot motion, for the session in three days.
    ky = next(spec for spec in ENTERPRISES if spec.prefix == "ky")
    session = CongressSession(
        congress=congresses["ky"],
        kind="regular",
        title=KY_SESSION_TITLE,
        agenda="审议并表决《能级工资专项集体合同（草案）》",
        scheduled_at=_at(today + timedelta(days=3), 9),
        place=f"{ky.short}职工活动中心大礼堂",
    )
    db.session.add(session)
    db.session.flush()
    record(session, "scheduled", admin, to_state="scheduled", data={"title": session.title})
    negotiation = db.session.scalars(
        select(Negotiation).where(Negotiation.enterprise_id == enterprises["ky"].id)
    ).one()
    congress_ops.submit_draft(negotiation, session, _person(ky, "secretary"))


def seed_demo() -> bool:
    """Load the demo data; False, changing nothing, when it is loaded already. Flushes only."""
    if find_user(ADMIN_USERNAME) is not None:
        return False

    names = (person_name(n) for n in count())
    admin = create_user(
        ADMIN_USERNAME,
        next(names),
        DEMO_PASSWORD,
        email=_email(ADMIN_USERNAME),
        global_role=GlobalRole.FEDERATION_ADMIN,
    )
    shared_hash = admin.password_hash

    regions = {}
    for spec in REGIONS:
        region = create_region(
            spec.code, spec.name, spec.minimum_wage_fen, admin, minimum_wage_note=SAMPLE_WAGE_NOTE
        )
        for year, (lower, base, upper) in enumerate(spec.guidelines, start=clock.today().year - 1):
            set_guideline(region, year, lower, base, upper, admin)
        _quick_user(
            spec.officer,
            next(names),
            shared_hash,
            admin,
            global_role=GlobalRole.LABOUR_OFFICER,
            region=region,
        )
        regions[spec.code] = region

    enterprises = {}
    for spec in ENTERPRISES:
        enterprises[spec.prefix] = _seed_enterprise(
            spec, regions[spec.region], names, shared_hash, admin
        )
    for spec in ENTERPRISES:
        wage_grids.set_current_grid(
            enterprises[spec.prefix],
            _person(spec, "employer-chief"),
            current_rows(spec),
            note="现行能级工资表（示例数据）",
        )
    _seed_negotiations(enterprises, clock.today())
    _seed_congresses(enterprises, clock.today(), admin)
    return True
