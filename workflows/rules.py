"""The legal rules of skill-grade wage collective negotiation, each with its source.

Every rule is enforced or reported here and nowhere else. A region's rule profile may override any
figure; `RuleProfile()` is the national default.
"""

from dataclasses import dataclass

CALENDAR_DAYS = "calendar"
WORKING_DAYS = "working"
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

