"""The legal rules of skill-grade wage collective negotiation, each with its source.

Every rule is enforced or reported here and nowhere else. A region's rule profile may override any
figure; `RuleProfile()` is the national default.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from workflows import contract, negotiation
from workflows.calendar import CALENDAR_DAYS, WORKING_DAYS, Due, add_months, count
from workflows.messages import N_, Message
from workflows.sides import EMPLOYER, SIDES, UNION

DAY_COUNTING_MODES = (CALENDAR_DAYS, WORKING_DAYS)


@dataclass(frozen=True)
class RuleProfile:
    """A region's figures for the rules (规则配置); the defaults are the national ones."""

    # 集体合同规定 Art 32; 工资集体协商试行办法 Art 17: written response within 20 days.
    response_days: int = 20
    # 民法典 Art 201, 203 count calendar days; some provinces count working days.
    day_counting: str = CALENDAR_DAYS
    # 试行办法 Art 18: requested data supplied at least 5 days before talks.
    data_supply_days: int = 5
    # 集体合同规定 Art 31: a vacant representative seat is refilled within 15 days.
    refill_days: int = 15
    # 集体合同规定 Art 52: dispute coordination within 30 days, extendable once by at most 15.
    dispute_days: int = 30
    dispute_extension_days: int = 15
    # 试行办法 Art 21 (7 days) and 集体合同规定 Art 42 (10 days): 7 satisfies both.
    filing_days: int = 7
    # 集体合同规定 Art 45-47; 试行办法 Art 22: no objection within 15 days → deemed approved.
    review_days: int = 15
    # 试行办法 Art 23; 集体合同规定 Art 48: published to all staff within 5 days of effect.
    publication_days: int = 5
    # 集体合同规定 Art 38: renewal may be requested within 3 months before expiry.
    renewal_window_months: int = 3
    # 集体合同规定 Art 36: the congress sits with at least 2/3 of all delegates present.
    quorum_numerator: int = 2
    quorum_denominator: int = 3
    # 集体合同规定 Art 36; 企业民主管理规定 Art 20: yes votes of more than half of ALL delegates.
    majority_numerator: int = 1
    majority_denominator: int = 2
    # 企业民主管理规定 Art 13: no fewer than 30 worker delegates.
    min_delegates: int = 30


# Representatives (协商代表) — 集体合同规定 Art 19-24, 31, 33

SIDE_LABELS = {UNION: N_("union"), EMPLOYER: N_("employer")}

# 集体合同规定 Art 19: at least 3 representatives on each side.
MIN_REPRESENTATIVES = 3


@dataclass(frozen=True)
class Representative:
    """A negotiation representative (协商代表) of one side."""

    person_id: int
    name: str
    side: str  # UNION or EMPLOYER
    is_chief: bool = False  # 首席代表
    is_outside_expert: bool = False  # 本单位以外的专业人员
    is_union_chair: bool = False  # 工会主席
    is_legal_representative: bool = False  # 法定代表人
    delegated_in_writing: bool = False  # 书面委托

    def __post_init__(self):
        if self.side not in SIDES:
            raise ValueError(f"a representative's side is union or employer, not {self.side!r}")


def _chief_problems(side: str, chiefs: list[Representative]) -> list[Message]:
    problems = []
    if len(chiefs) != 1:
        # 集体合同规定 Art 19: each side names exactly one chief representative.
        problems.append(
            Message(
                N_("the %(side)s side must have exactly one chief representative, not %(count)d"),
                {"side": side, "count": len(chiefs)},
            )
        )
    for chief in chiefs:
        if side == UNION and not (chief.is_union_chair or chief.delegated_in_writing):
            # 集体合同规定 Art 20: the union chair, or a representative the chair delegated in
            # writing.
            problems.append(
                Message(
                    N_(
                        "the union chief representative %(name)s is neither the union chair "
                        "nor delegated in writing by the chair"
                    ),
                    {"name": chief.name},
                )
            )
        if side == EMPLOYER and not (chief.is_legal_representative or chief.delegated_in_writing):
            # 集体合同规定 Art 21: the legal representative, or a manager they delegated in writing.
            problems.append(
                Message(
                    N_(
                        "the employer chief representative %(name)s is neither the legal "
                        "representative nor delegated in writing by them"
                    ),
                    {"name": chief.name},
                )
            )
        if chief.is_outside_expert:
            # 集体合同规定 Art 23: a chief is never someone from outside the enterprise.
            problems.append(
                Message(
                    N_(
                        "the %(side)s chief representative %(name)s is an outside expert; "
                        "a chief must come from the enterprise"
                    ),
                    {"side": side, "name": chief.name},
                )
            )
    return problems


def representative_problems(reps: list[Representative], recorder_id: int | None) -> list[Message]:
    """Everything wrong with the two sides' representatives and the recorder, in words.

    An empty list means the talks may start as far as the representatives go.
    """
    by_side = {side: [r for r in reps if r.side == side] for side in SIDES}
    problems = []
    for side, members in by_side.items():
        if len(members) < MIN_REPRESENTATIVES:
            # 集体合同规定 Art 19: at least 3 on each side.
            problems.append(
                Message(
                    N_(
                        "the %(side)s side has %(count)d representatives; "
                        "at least %(minimum)d are needed"
                    ),
                    {"side": side, "count": len(members), "minimum": MIN_REPRESENTATIVES},
                )
            )
    union_count, employer_count = len(by_side[UNION]), len(by_side[EMPLOYER])
    if union_count != employer_count:
        # 集体合同规定 Art 19: equal numbers (人数对等).
        problems.append(
            Message(
                N_(
                    "the sides must have equal numbers of representatives: "
                    "union %(union)d, employer %(employer)d"
                ),
                {"union": union_count, "employer": employer_count},
            )
        )
    for side, members in by_side.items():
        problems += _chief_problems(side, [r for r in members if r.is_chief])
        experts = sum(r.is_outside_expert for r in members)
        if 3 * experts > len(members):
            # 集体合同规定 Art 23: outside experts are at most a third of a side.
            problems.append(
                Message(
                    N_(
                        "%(experts)d of the %(count)d %(side)s representatives are outside "
                        "experts; at most a third may be"
                    ),
                    {"experts": experts, "count": len(members), "side": side},
                )
            )
    union_ids = {r.person_id for r in by_side[UNION]}
    for rep in by_side[EMPLOYER]:
        if rep.person_id in union_ids:
            # 集体合同规定 Art 24: nobody represents both sides.
            problems.append(Message(N_("%(name)s cannot represent both sides"), {"name": rep.name}))
    # 集体合同规定 Art 33(5): a neutral recorder who is not a representative.
    if recorder_id is None:
        problems.append(Message(N_("no recorder has been appointed")))
    elif recorder_id in {r.person_id for r in reps}:
        name = next(r.name for r in reps if r.person_id == recorder_id)
        problems.append(
            Message(
                N_("the recorder %(name)s is a representative; the recorder must be neutral"),
                {"name": name},
            )
        )
    return problems


# Deadlines — each a period counted under 民法典 Art 201-203 (workflows.calendar.deadline)


def _period_end(start: date, days: int, profile: RuleProfile) -> Due:
    return count(start, days, profile.day_counting)


def refill_deadline(vacated_on: date, profile: RuleProfile) -> Due:
    """The last day to refill a vacant representative seat (补缺)."""
    # 集体合同规定 Art 31: within 15 days of the vacancy.
    return _period_end(vacated_on, profile.refill_days, profile)


def response_deadline(received_on: date, profile: RuleProfile) -> Due:
    """The last day for the written response (书面回应) to a request to negotiate."""
    # 集体合同规定 Art 32; 试行办法 Art 17: within 20 days of receipt.
    return _period_end(received_on, profile.response_days, profile)


def dispute_deadline(started_on: date, profile: RuleProfile, extension_days: int = 0) -> Due:
    """The last day of dispute coordination (争议协调处理), with its one extension if granted.

    The extension lengthens the period counted from `started_on`.
    """
    # 集体合同规定 Art 52: 30 days from acceptance, extendable once by at most 15.
    if not 0 <= extension_days <= profile.dispute_extension_days:
        raise ValueError(
            f"an extension is 0 to {profile.dispute_extension_days} days, not {extension_days}"
        )
    return _period_end(started_on, profile.dispute_days + extension_days, profile)


def filing_deadline(last_signed_on: date, profile: RuleProfile) -> Due:
    """The last day to file the signed contract (报送审查)."""
    # 试行办法 Art 21: within 7 days of signing; 集体合同规定 Art 42: 10 days.
    return _period_end(last_signed_on, profile.filing_days, profile)


def review_deadline(filed_on: date, profile: RuleProfile) -> Due:
    """The last day on which the labour administration may object (审查期限)."""
    # 集体合同规定 Art 45-47: 15 days from receipt of the text.
    return _period_end(filed_on, profile.review_days, profile)


def deemed_effective_on(review_due: date) -> date:
    """No objection by the end of the review period: in effect from the next day (Art 47)."""
    return review_due + timedelta(days=1)


def publication_deadline(effective_on: date, profile: RuleProfile) -> Due:
    """The last day to publish the contract to all staff (公布)."""
    # 试行办法 Art 23; 集体合同规定 Art 48: within 5 days of taking effect.
    return _period_end(effective_on, profile.publication_days, profile)


# The contract's term (合同期限) — 集体合同规定 Art 38

# 集体合同规定 Art 38: a collective contract runs for 1 to 3 years.
TERM_YEARS = range(1, 4)


def term_problem(years: int) -> Message | None:
    """What is wrong with a term of `years` years, in words; None when it is a lawful one."""
    if years in TERM_YEARS:
        return None
    return Message(N_("The term is 1, 2 or 3 years (集体合同规定 Art 38)."))


@dataclass(frozen=True)
class Term:
    """The contract's term (期限): from the day it takes effect, 1 to 3 years (Art 38)."""

    starts_on: date
    ends_on: date
    renewal_opens_on: date


def term(effective_on: date, years: int, profile: RuleProfile) -> Term:
    """The term that starts on `effective_on`; it ends the day before the same date `years`
    later, and renewal may be requested from `renewal_window_months` before its end (Art 38)."""
    if years not in TERM_YEARS:
        raise ValueError(
            f"a contract's term is {TERM_YEARS[0]} to {TERM_YEARS[-1]} years, not {years}"
        )
    anniversary = add_months(effective_on, 12 * years)
    if anniversary.day != effective_on.day:
        # From 29 February, the anniversary in a common year is 1 March (民法典 Art 202 gives
        # a period with no corresponding day the month's last day; the term ends the day before).
        anniversary += timedelta(days=1)
    ends_on = anniversary - timedelta(days=1)
    return Term(effective_on, ends_on, add_months(ends_on, -profile.renewal_window_months))


# The deadlines running now, as the pages list them


@dataclass(frozen=True)
class DueDay:
    """A deadline's last day as it is kept, and whether it was counted on a year whose official
    holiday schedule was not known yet (暂定)."""

    on: date | None
    provisional: bool = False


@dataclass(frozen=True)
class Deadline:
    """A deadline running now (期限): what is due, its last day and the article it comes from.

    `label` is translated where it is shown."""

    label: Message
    due: date
    article: str
    provisional: bool = False


@dataclass(frozen=True)
class Vacancy:
    """A representative's seat left vacant (协商代表空缺), `refilled` or not yet."""

    name: str
    refill_due: DueDay
    refilled: bool = False


def _listed(running: list[tuple[Message, DueDay, str]]) -> list[Deadline]:
    return [
        Deadline(label, day.on, article, day.provisional)
        for label, day, article in running
        if day.on is not None
    ]


def negotiation_deadlines(
    state: str,
    *,
    responded: bool,
    response_due: DueDay,
    vacancies: Iterable[Vacancy] = (),
    dispute_due: DueDay,
    resume_on: date | None,
) -> list[Deadline]:
    """The negotiation's deadlines that run in `state`, in the order the page lists them: the
    written response, the refill of each vacant seat, the dispute coordination, the resumption
    of suspended talks. A deadline without a day is left out."""
    running = []
    if state == negotiation.State.REQUESTED and not responded:
        response = Message(N_("Written response due"))
        running.append((response, response_due, "集体合同规定 Art 32"))
    if state in negotiation.OPEN:
        running += [
            (
                Message(N_("Refill the seat of %(name)s"), {"name": vacancy.name}),
                vacancy.refill_due,
                "集体合同规定 Art 31",
            )
            for vacancy in vacancies
            if not vacancy.refilled
        ]
    if state == negotiation.State.IN_DISPUTE:
        dispute = Message(N_("Dispute coordination ends"))
        running.append((dispute, dispute_due, "集体合同规定 Art 52"))
    if state == negotiation.State.SUSPENDED:
        running.append((Message(N_("Talks resume")), DueDay(resume_on), "集体合同规定 Art 35"))
    return _listed(running)


def contract_deadlines(
    state: str,
    today: date,
    *,
    filing_due: DueDay,
    review_due: DueDay,
    publication_due: DueDay,
    renewal_opens_on: date | None,
    ends_on: date | None,
    renewal_started: bool,
) -> list[Deadline]:
    """The contract's deadlines that run in `state`, in the order of its life: filing once both
    have signed, the review once filed, publication once in effect; while it is in force, the
    day renewal may be asked for (until that day, and unless a renewal is under way) and the end
    of the term. A deadline without a day is left out."""
    running = []
    if state == contract.State.SIGNED:
        filing = Message(N_("File with the labour administration"))
        running.append((filing, filing_due, "试行办法 Art 21; 集体合同规定 Art 42"))
    if state == contract.State.FILED:
        review = Message(N_("The labour administration's review ends"))
        running.append((review, review_due, "集体合同规定 Art 45–47"))
    if state == contract.State.EFFECTIVE:
        publication = Message(N_("Publish the contract to all staff"))
        running.append((publication, publication_due, "试行办法 Art 23; 集体合同规定 Art 48"))
    if state in contract.IN_FORCE:
        if not renewal_started and renewal_opens_on > today:
            renewal = Message(N_("Renewal may be asked for from"))
            running.append((renewal, DueDay(renewal_opens_on), "集体合同规定 Art 38"))
        running.append((Message(N_("The term ends")), DueDay(ends_on), "集体合同规定 Art 38"))
    return _listed(running)


# Wage grid (能级工资表) and its costing

DEFAULT_GRADES = [
    "学徒工",
    "初级工",
    "中级工",
    "高级工",
    "技师",
    "高级技师",
    "特级技师",
    "首席技师",
]


def format_yuan(fen: int) -> str:
    """Fen as yuan with a thousands separator and 2 decimals: 185000 → "1,850.00"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, exactly (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return -quotient if numerator < 0 else quotient


@dataclass(frozen=True)
class GradeRow:
    """One skill grade (能级) of a grid: monthly base wage and skill allowance, in fen."""

    grade: str
    base_fen: int  # 基本工资
    allowance_fen: int  # 技能津贴
    headcount: int  # workers currently at this grade

    @property
    def total_fen(self) -> int:
        return self.base_fen + self.allowance_fen


@dataclass(frozen=True)
class RowProblem:
    """A problem of one row (`row` is its 0-based index) and field, or of the whole grid (None)."""

    row: int | None
    field: str | None
    message: Message


def grid_problems(rows: list[GradeRow], minimum_wage_fen: int) -> list[RowProblem]:
    """Everything wrong with a grid whose rows run from the lowest grade to the highest."""
    if not rows:
        return [RowProblem(None, None, Message(N_("the wage grid has no grades")))]
    problems = []
    seen = set()
    for i, row in enumerate(rows):
        name = row.grade.strip()
        if not name:
            problems.append(RowProblem(i, "grade", Message(N_("a grade needs a name"))))
        elif name in seen:
            problems.append(
                RowProblem(
                    i, "grade", Message(N_("%(grade)s appears more than once"), {"grade": name})
                )
            )
        seen.add(name)
        for field_name, template in (
            ("base_fen", N_("%(grade)s has a negative base wage of %(amount)s yuan")),
            ("allowance_fen", N_("%(grade)s has a negative skill allowance of %(amount)s yuan")),
        ):
            amount = getattr(row, field_name)
            if amount < 0:
                problems.append(
                    RowProblem(
                        i,
                        field_name,
                        Message(template, {"grade": row.grade, "amount": format_yuan(amount)}),
                    )
                )
        if row.headcount < 0:
            problems.append(
                RowProblem(
                    i,
                    "headcount",
                    Message(
                        N_("%(grade)s has a negative headcount of %(count)d"),
                        {"grade": row.grade, "count": row.headcount},
                    ),
                )
            )
        if i > 0 and row.total_fen < rows[i - 1].total_fen:
            # A higher grade is never paid less than the one below it (equal is allowed).
            lower = rows[i - 1]
            problems.append(
                RowProblem(
                    i,
                    "total_fen",
                    Message(
                        N_(
                            "%(grade)s is paid %(total)s yuan, "
                            "less than %(lower_grade)s at %(lower_total)s yuan"
                        ),
                        {
                            "grade": row.grade,
                            "total": format_yuan(row.total_fen),
                            "lower_grade": lower.grade,
                            "lower_total": format_yuan(lower.total_fen),
                        },
                    ),
                )
            )
        if row.total_fen < minimum_wage_fen:
            # 劳动合同法 Art 55; 最低工资规定 Art 12: no grade is paid below the minimum wage.
            problems.append(
                RowProblem(
                    i,
                    "total_fen",
                    Message(
                        N_(
                            "%(grade)s is paid %(total)s yuan a month, "
                            "below the minimum wage of %(minimum)s yuan"
                        ),
                        {
                            "grade": row.grade,
                            "total": format_yuan(row.total_fen),
                            "minimum": format_yuan(minimum_wage_fen),
                        },
                    ),
                )
            )
    return problems


@dataclass(frozen=True)
class GuidelineBand:
    """A region's wage guideline (工资指导线) in basis points: 450 bp = 4.50 %."""

    lower_bp: int  # 下线
    base_bp: int  # 基准线
    upper_bp: int  # 上线


BELOW = "below"
WITHIN = "within"
ABOVE = "above"


@dataclass(frozen=True)
class Costing:
    """The cost of a grid (工资总额测算); `change_*` only when compared with a current grid.

    Money is in fen; `average_fen` and `change_average_fen` are whole fen as Decimal,
    `change_pct` is a percentage with 2 decimals.
    """

    monthly_fen: int
    annual_fen: int
    headcount: int
    average_fen: Decimal
    change_monthly_fen: int | None = None
    change_average_fen: Decimal | None = None
    change_pct: Decimal | None = None
    guideline_position: str | None = None  # BELOW, WITHIN or ABOVE
    guideline_warning: Message | None = None


def _bill(rows: list[GradeRow]) -> tuple[int, int]:
    return sum(r.headcount * r.total_fen for r in rows), sum(r.headcount for r in rows)


def _percent(bp: int) -> str:
    return str(Decimal(bp).scaleb(-2))


def cost_grid(
    rows: list[GradeRow],
    current: list[GradeRow] | None = None,
    band: GuidelineBand | None = None,
) -> Costing:
    """The monthly and annual wage bill of `rows`, its weighted average wage, and — against the
    `current` grid — the change in yuan and % and its position in the guideline `band`.

    The percentage compares the exact average wages and is rounded once, half up; the band
    compares that rounded figure, so what is shown and what is judged agree.
    """
    monthly, headcount = _bill(rows)
    average = Decimal(_div_half_up(monthly, headcount)) if headcount else Decimal(0)
    costing = Costing(
        monthly_fen=monthly, annual_fen=12 * monthly, headcount=headcount, average_fen=average
    )
    if current is None:
        return costing
    current_monthly, current_headcount = _bill(current)
    current_average = (
        Decimal(_div_half_up(current_monthly, current_headcount))
        if current_headcount
        else Decimal(0)
    )
    change_pct = position = warning = None
    if headcount and current_headcount and current_monthly:
        # (M1/H1 − M0/H0) / (M0/H0) in basis points = (M1·H0 − M0·H1) · 10000 / (M0·H1).
        change_bp = _div_half_up(
            (monthly * current_headcount - current_monthly * headcount) * 10000,
            current_monthly * headcount,
        )
        change_pct = Decimal(change_bp).scaleb(-2)
        if band is not None:
            # 试行办法 Art 8: the average increase is weighed against the guideline; outside the
            # band is a warning to the parties, never a block.
            if change_bp < band.lower_bp:
                position = BELOW
                warning = Message(
                    N_(
                        "the average wage changes by %(change)s %%, below the guideline's "
                        "lower line of %(lower)s %%"
                    ),
                    {"change": str(change_pct), "lower": _percent(band.lower_bp)},
                )
            elif change_bp > band.upper_bp:
                position = ABOVE
                warning = Message(
                    N_(
                        "the average wage changes by %(change)s %%, above the guideline's "
                        "upper line of %(upper)s %%"
                    ),
                    {"change": str(change_pct), "upper": _percent(band.upper_bp)},
                )
            else:
                position = WITHIN
    return Costing(
        monthly_fen=monthly,
        annual_fen=12 * monthly,
        headcount=headcount,
        average_fen=average,
        change_monthly_fen=monthly - current_monthly,
        change_average_fen=average - current_average,
        change_pct=change_pct,
        guideline_position=position,
        guideline_warning=warning,
    )


# Workers' congress arithmetic (职工代表大会)


def _check_counts(part: int, total: int) -> None:
    if not 0 <= part <= total:
        raise ValueError(f"a count must be between 0 and the {total} delegates, not {part}")


def quorum_reached(present: int, total: int, profile: RuleProfile) -> bool:
    """Whether `present` of `total` delegates make a quorum."""
    _check_counts(present, total)
    # 集体合同规定 Art 36: at least 2/3 of all delegates present (inclusive).
    return profile.quorum_denominator * present >= profile.quorum_numerator * total


def quorum_needed(total: int, profile: RuleProfile) -> int:
    """The fewest delegates present that make a quorum."""
    return -(-profile.quorum_numerator * total // profile.quorum_denominator)


def item_passes(yes: int, total: int, profile: RuleProfile) -> bool:
    """Whether an item with `yes` votes passes among `total` delegates."""
    _check_counts(yes, total)
    # 集体合同规定 Art 36; 企业民主管理规定 Art 20: more than half of ALL delegates, not of those
    # present.
    return profile.majority_denominator * yes > profile.majority_numerator * total


def votes_needed(total: int, profile: RuleProfile) -> int:
    """The fewest yes votes that pass an item."""
    return profile.majority_numerator * total // profile.majority_denominator + 1


def majority_rule(total: int, profile: RuleProfile) -> Message:
    """The majority rule in words for `total` delegates, as the results page states it."""
    params = {"total": total, "needed": votes_needed(total, profile)}
    if (profile.majority_numerator, profile.majority_denominator) == (1, 2):
        return Message(
            N_(
                "An item passes with yes votes of more than half of all %(total)d delegates: "
                "at least %(needed)d yes votes (集体合同规定 Art 36; 企业民主管理规定 Art 20). "
                "Abstentions and blank answers are not yes votes."
            ),
            params,
        )
    return Message(
        N_(
            "An item passes with yes votes of more than %(numerator)d/%(denominator)d of all "
            "%(total)d delegates: at least %(needed)d yes votes (the region's rule). "
            "Abstentions and blank answers are not yes votes."
        ),
        {
            **params,
            "numerator": profile.majority_numerator,
            "denominator": profile.majority_denominator,
        },
    )


# The delegates' roster (职工代表名单)


def roster_warnings(total: int, managers: int, profile: RuleProfile) -> list[Message]:
    """What is wrong with a roster of `total` delegates, `managers` of them managers, in words.

    These are warnings: the roster is still imported and the congress may still sit.
    """
    _check_counts(managers, total)
    warnings = []
    # 企业民主管理规定 Art 12: middle managers and leaders (中层以上管理人员和领导人员) are
    # generally no more than 20 % of the delegates.
    if 5 * managers > total:
        warnings.append(
            Message(
                N_(
                    "%(managers)d of the %(total)d delegates are managers; generally at most "
                    "20 %% (%(most)d) should be"
                ),
                {"managers": managers, "total": total, "most": total // 5},
            )
        )
    # 企业民主管理规定 Art 13: a congress has no fewer than 30 delegates.
    if total < profile.min_delegates:
        warnings.append(
            Message(
                N_("the congress has %(total)d delegates; at least %(minimum)d are needed"),
                {"total": total, "minimum": profile.min_delegates},
            )
        )
    return warnings
