"""A negotiating enterprise: three union and three employer representatives, a secretary who
records, delegates, a current eight-grade grid; and a helper that walks a negotiation forward."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from app.extensions import db
from app.negotiations import operations as ops
from app.orgs import operations as org_operations
from app.wage_grids.operations import set_current_grid
from workflows.rules import DEFAULT_GRADES, GradeRow

# Monday 2026-06-01: no holiday near; the 20-day response is due on Sunday 21 June → Monday 22.
TODAY = date(2026, 6, 1)


def grid_rows(raise_fen: int = 0, headcounts=(30, 60, 80, 70, 40, 20, 8, 2)) -> list[GradeRow]:
    """An eight-grade grid; the apprentice earns 2,600 yuan, each grade 500 yuan more."""
    return [
        GradeRow(grade, 2_200_00 + 500_00 * i + raise_fen, 400_00, headcounts[i])
        for i, grade in enumerate(DEFAULT_GRADES)
    ]


@dataclass
class NegotiationWorld:
    enterprise: object
    union: list
    employer: list
    secretary: object
    delegates: list
    outsider: object

    @property
    def union_chief(self):
        return self.union[0]

    @property
    def employer_chief(self):
        return self.employer[0]


@pytest.fixture
def world(make, db_session):
    region = make.region(minimum_wage_fen=2_490_00)
    org_operations.set_guideline(region, 2026, 300, 500, 700, None)
    enterprise = make.enterprise(region=region, legal_representative="钱总")
    union = [
        make.user(
            f"union{i}", full_name=name, roles=["union_rep", "delegate"], enterprise=enterprise
        )
        for i, name in enumerate(["赵主席", "孙工会", "李工会"])
    ]
    employer = [
        make.user(f"employer{i}", full_name=name, roles=["employer_rep"], enterprise=enterprise)
        for i, name in enumerate(["钱总", "周经理", "吴经理"])
    ]
    secretary = make.user(
        "secretary", full_name="郑秘书", roles=["congress_secretary"], enterprise=enterprise
    )
    delegates = [
        make.user(f"delegate{i}", roles=["delegate"], enterprise=enterprise) for i in range(3)
    ]
    outsider = make.user("outsider", roles=["union_rep"], enterprise=make.enterprise())
    org_operations.update_enterprise(enterprise, None, union_chair=union[0])
    set_current_grid(enterprise, None, grid_rows())
    db.session.commit()
    return NegotiationWorld(enterprise, union, employer, secretary, delegates, outsider)


class Walk:
    """Moves a negotiation through its states with valid steps, as the two sides would."""

    def __init__(self, world):
        self.w = world

    def requested(self):
        n = ops.open_negotiation(
            self.w.enterprise,
            self.w.union_chief,
            subject="2026年度能级工资",
            term_years=2,
            topics="能级工资标准；年度调整",
        )
        ops.send_request(n, self.w.union_chief, today=TODAY)
        return n

    def preparing(self):
        n = self.requested()
        ops.accept_request(n, self.w.employer_chief, "绩效工资", today=TODAY)
        return n

    def appoint_all(self, n):
        for side, people in (("union", self.w.union), ("employer", self.w.employer)):
            for i, person in enumerate(people):
                ops.appoint_representative(
                    n, people[0], side=side, user=person, is_chief=(i == 0), today=TODAY
                )
        ops.set_recorder(n, self.w.union_chief, self.w.secretary)

    def negotiating(self):
        n = self.preparing()
        self.appoint_all(n)
        ops.start_talks(n, self.w.employer_chief)
        ops.update_clauses(
            n,
            self.w.union_chief,
            term_years=2,
            adjustment_rule="每年7月按上年度企业效益调整",
            pay_day=15,
        )
        return n

    def with_proposals(self):
        n = self.negotiating()
        round_ = ops.schedule_round(
            n, self.w.union_chief, datetime(2026, 6, 10, 2, tzinfo=UTC), "工会会议室"
        )
        union = ops.submit_proposal(round_, self.w.union_chief, grid_rows(300_00))
        employer = ops.submit_proposal(round_, self.w.employer_chief, grid_rows(100_00))
        return n, round_, union, employer

    def agreed(self):
        n, _round, union, _employer = self.with_proposals()
        ops.accept_proposal(n, self.w.union_chief, union)
        ops.accept_proposal(n, self.w.employer_chief, union)
        return n


@pytest.fixture
def walk(world):
    return Walk(world)
