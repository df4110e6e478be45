"""The wage grid (能级工资表): row-level problems, and costing checked against figures by hand."""

from decimal import Decimal

import pytest

from workflows.rules import (
    DEFAULT_GRADES,
    Costing,
    GradeRow,
    GuidelineBand,
    RowProblem,
    cost_grid,
    format_yuan,
    grid_problems,
)


def grid(*rows: tuple[int, int, int], grades: list[str] = DEFAULT_GRADES) -> list[GradeRow]:
    """Rows from (base, allowance, headcount) in whole yuan, lowest grade first."""
    return [
        GradeRow(grade, base * 100, allowance * 100, headcount)
        for grade, (base, allowance, headcount) in zip(grades, rows, strict=False)
    ]


# yuan:      base + allowance = total  × headcount = monthly
# 学徒工     2,300 +   200 = 2,500 × 10 =  25,000
# 初级工     2,600 +   300 = 2,900 × 20 =  58,000
# 中级工     3,000 +   500 = 3,500 × 30 = 105,000
# 高级工     3,500 +   800 = 4,300 × 25 = 107,500
# 技师       4,000 + 1,200 = 5,200 ×  8 =  41,600
# 高级技师   4,800 + 1,600 = 6,400 ×  4 =  25,600
# 特级技师   5,600 + 2,000 = 7,600 ×  2 =  15,200
# 首席技师   6,500 + 2,500 = 9,000 ×  1 =   9,000
#                                   100 workers, 386,900 a month, 4,642,800 a year,
#                                   average 386,900 / 100 = 3,869.00
PROPOSAL = grid(
    (2300, 200, 10),
    (2600, 300, 20),
    (3000, 500, 30),
    (3500, 800, 25),
    (4000, 1200, 8),
    (4800, 1600, 4),
    (5600, 2000, 2),
    (6500, 2500, 1),
)
# 学徒工 2,400 × 10 = 24,000; 初级工 2,800 × 20 = 56,000; 中级工 3,300 × 30 = 99,000;
# 高级工 4,100 × 25 = 102,500; 技师 4,900 × 8 = 39,200; 高级技师 6,000 × 4 = 24,000;
# 特级技师 7,200 × 2 = 14,400; 首席技师 8,600 × 1 = 8,600
#                                   367,700 a month, average 3,677.00
CURRENT = grid(
    (2200, 200, 10),
    (2500, 300, 20),
    (2900, 400, 30),
    (3300, 800, 25),
    (3800, 1100, 8),
    (4500, 1500, 4),
    (5300, 1900, 2),
    (6200, 2400, 1),
)
MINIMUM_WAGE = 249000  # 2,490.00 yuan a month


def test_costing_of_a_proposal_against_the_current_grid():
    # Change: 386,900 − 367,700 = 19,200 yuan a month; average 3,869.00 − 3,677.00 = 192.00;
    # 192 / 3,677 = 5.2216…% → 5.22 %.
    assert cost_grid(PROPOSAL, CURRENT) == Costing(
        monthly_fen=38_690_000,
        annual_fen=464_280_000,
        headcount=100,
        average_fen=Decimal(386_900),
        change_monthly_fen=1_920_000,
        change_average_fen=Decimal(19_200),
        change_pct=Decimal("5.22"),
    )


def test_costing_uses_no_floats():
    costing = cost_grid(PROPOSAL, CURRENT, GuidelineBand(400, 700, 1000))
    figures = [getattr(costing, name) for name in Costing.__dataclass_fields__]
    assert not any(isinstance(value, float) for value in figures)


def test_costing_without_a_current_grid_has_no_change():
    costing = cost_grid(PROPOSAL)
    assert (costing.monthly_fen, costing.annual_fen) == (38_690_000, 464_280_000)
    assert costing.change_monthly_fen is None
    assert costing.change_pct is None
    assert costing.guideline_position is None


@pytest.mark.parametrize(
    ("rows", "average"),
    [
        # (2 × 2,500.00 + 2,500.01) / 3 = 2,500.003… → 2,500.00
        ([GradeRow("A", 250000, 0, 2), GradeRow("B", 250001, 0, 1)], Decimal(250000)),
        # (2,500.00 + 2,500.01) / 2 = 2,500.005 → half up to 2,500.01
        ([GradeRow("A", 250000, 0, 1), GradeRow("B", 250001, 0, 1)], Decimal(250001)),
        ([GradeRow("A", 250000, 0, 0)], Decimal(0)),
    ],
)
def test_average_wage_is_weighted_by_headcount_and_rounded_half_up_to_the_fen(rows, average):
    assert cost_grid(rows).average_fen == average


@pytest.mark.parametrize(
    ("new_fen", "pct"),
    [
        (200010, Decimal("0.01")),  # 10 / 200,000 = 0.005 % → half up to 0.01 %
        (199990, Decimal("-0.01")),  # −0.005 % → −0.01 %
        (200009, Decimal("0.00")),  # 0.0045 % → 0.00 %
        (210000, Decimal("5.00")),
    ],
)
def test_change_percentage_is_rounded_half_up_to_two_decimals(new_fen, pct):
    current = [GradeRow("A", 200000, 0, 1)]
    assert cost_grid([GradeRow("A", new_fen, 0, 1)], current).change_pct == pct


@pytest.mark.parametrize(
    ("band", "position", "warning"),
    [
        (GuidelineBand(400, 700, 1000), "within", None),
        (GuidelineBand(522, 700, 1000), "within", None),  # 5.22 % on the lower line
        (GuidelineBand(300, 400, 522), "within", None),  # 5.22 % on the upper line
        (
            GuidelineBand(600, 800, 1100),
            "below",
            "the average wage changes by 5.22 %, below the guideline's lower line of 6.00 %",
        ),
        (
            GuidelineBand(200, 350, 450),
            "above",
            "the average wage changes by 5.22 %, above the guideline's upper line of 4.50 %",
        ),
    ],
)
def test_guideline_position_warns_outside_the_band(band, position, warning):
    costing = cost_grid(PROPOSAL, CURRENT, band)
    assert costing.guideline_position == position
    words = str(costing.guideline_warning) if costing.guideline_warning else None
    assert words == warning


def test_default_grid_proposal_has_no_problems():
    assert grid_problems(PROPOSAL, MINIMUM_WAGE) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [GradeRow("学徒工", -185000, 500000, 3)],
            [(0, "base_fen", "学徒工 has a negative base wage of -1,850.00 yuan")],
            id="negative-base",
        ),
        pytest.param(
            [GradeRow("初级工", 300000, -5050, 3)],
            [(0, "allowance_fen", "初级工 has a negative skill allowance of -50.50 yuan")],
            id="negative-allowance",
        ),
        pytest.param(
            [GradeRow("中级工", 300000, 0, -2)],
            [(0, "headcount", "中级工 has a negative headcount of -2")],
            id="negative-headcount",
        ),
        pytest.param(
            grid((2300, 200, 10), (2600, 300, 20), (3000, 1300, 30), (3500, 600, 25)),
            [(3, "total_fen", "高级工 is paid 4,100.00 yuan, less than 中级工 at 4,300.00 yuan")],
            id="inversion",
        ),
        pytest.param(
            grid((2100, 200, 10), (2600, 300, 20)),
            [
                (
                    0,
                    "total_fen",
                    "学徒工 is paid 2,300.00 yuan a month, below the minimum wage of 2,490.00 yuan",
                )
            ],
            id="below-minimum-wage",
        ),
        pytest.param(
            grid((2300, 190, 10), (2600, 300, 20)),
            [],
            id="exactly-the-minimum-wage",
        ),
        pytest.param(
            grid((2300, 200, 10), (2400, 100, 5), (2500, 0, 5)),
            [],
            id="equal-totals-are-allowed",
        ),
        pytest.param(
            grid(
                (2300, 200, 10),
                (2600, 300, 20),
                (3000, 500, 30),
                grades=["学徒工", "中级工", "中级工"],
            ),
            [(2, "grade", "中级工 appears more than once")],
            id="duplicate-grade",
        ),
        pytest.param(
            grid((2300, 200, 10), (2600, 300, 20), grades=["学徒工", " "]),
            [(1, "grade", "a grade needs a name")],
            id="blank-grade",
        ),
        pytest.param([], [(None, None, "the wage grid has no grades")], id="empty-grid"),
    ],
)
def test_grid_problem_names_the_row_field_and_figures(rows, expected):
    problems = grid_problems(rows, MINIMUM_WAGE)
    assert [(p.row, p.field, str(p.message)) for p in problems] == expected
    assert all(isinstance(p, RowProblem) for p in problems)


def test_every_grade_below_the_minimum_wage_is_named():
    rows = grid((2300, 100, 10), (2300, 150, 5), (2600, 300, 20))
    assert [(p.row, p.message.params["grade"]) for p in grid_problems(rows, MINIMUM_WAGE)] == [
        (0, "学徒工"),
        (1, "初级工"),
    ]


@pytest.mark.parametrize(
    ("fen", "yuan"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (185000, "1,850.00"),
        (-123456, "-1,234.56"),
        (100_000_000, "1,000,000.00"),
    ],
)
def test_format_yuan(fen, yuan):
    assert format_yuan(fen) == yuan
