"""Random actions by random people on a contract, from the ratified draft to the end of its term,
through the real operations, pyHanko and the database, while the days go by and the tick runs.

Whatever they do: the contract's state is valid and agrees with its negotiation's; a contract is
signed, filed or in effect only with both chiefs' intact and trusted signatures on its stored PDF;
it takes effect only by an approval of its region's labour officer within the review period or a
deemed approval after it; every deadline stored on it ends on a working day as its region counts
days; a legitimate action is done whole and anything else is refused with nothing stored."""

import hashlib
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app import clock
from app.audit.models import AuditEvent
from app.auth import operations as auth_ops
from app.auth.models import SigningAuthority, SigningKey, User
from app.contracts import operations as ops
from app.contracts.models import (
    Contract,
    ContractPublication,
    ContractRevision,
    ContractSignature,
)
from app.contracts.verification import verify_contract_pdf
from app.errors import AccordError
from app.extensions import db
from app.negotiations.models import Negotiation
from app.notifications.models import Notification
from app.tick import run_tick
from tests.conftest import PASSWORD
from tests.contracts.conftest import NOW
from workflows import contract as workflow
from workflows import rules
from workflows.calendar import is_working_day
from workflows.errors import CalendarNotCovered, WorkflowError
from workflows.rules import CALENDAR_DAYS, SIDES, WORKING_DAYS

# People: the two chiefs, an employer-side and a union-side representative, the region's labour
# officer, a labour officer of another region and someone from another enterprise.
UNION_CHIEF, EMPLOYER_CHIEF, EMPLOYER_REP, UNION_REP, OFFICER, OTHER_OFFICER, OUTSIDER = range(7)
ANYONE = st.integers(0, 6)
SIDE_OF = {
    UNION_CHIEF: "union",
    UNION_REP: "union",
    EMPLOYER_CHIEF: "employer",
    EMPLOYER_REP: "employer",
}
CHIEFS = (UNION_CHIEF, EMPLOYER_CHIEF)
REPRESENTATIVES = (UNION_CHIEF, EMPLOYER_CHIEF, UNION_REP, EMPLOYER_REP)
TWO_SIGNATURES = frozenset({"signed", "filed", "effective", "published", "expired", "returned"})
IN_EFFECT = workflow.IN_FORCE | {"expired"}
STORED = (
    Contract,
    ContractRevision,
    ContractSignature,
    ContractPublication,
    AuditEvent,
    Notification,
    Negotiation,
    SigningKey,
    SigningAuthority,
)
EDGES = {
    (row["trigger"], source, row["dest"])
    for row in workflow.TRANSITIONS
    for source in (row["source"] if isinstance(row["source"], list) else [row["source"]])
}


def mostly(*people: int):
    """The people an action is meant for, most of the time; anyone, the rest of the time."""
    return st.one_of(st.sampled_from(people), ANYONE)


def period_ends_on(start: date, days: int, due: date, counting: str) -> bool:
    """Whether `due` is the last day of a period of `days` days from `start`, read straight from
    民法典 Art 201 and 203: the start day is not counted, and a last day that is a rest day or a
    statutory holiday moves to the next working day (so the last day is always a working day)."""
    if not is_working_day(due):
        return False
    if counting == CALENDAR_DAYS:
        nominal = start + timedelta(days=days)
        skipped = [nominal + timedelta(days=n) for n in range((due - nominal).days)]
        return due >= nominal and not any(is_working_day(day) for day in skipped)
    counted = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    return sum(is_working_day(day) for day in counted) == days


def test_random_actions_never_put_a_contract_in_effect_without_signatures_and_review(
    deal, make, monkeypatch
):
    w = deal.world
    other_region_officer = make.user(global_role="labour_officer", region=make.region())
    people = [
        deal.union_chief,
        deal.employer_chief,
        w.employer[1],
        w.union[1],
        deal.officer,
        other_region_officer,
        w.outsider,
    ]
    contract = deal.contract
    # Verifying two signatures costs ~80 ms: each stored file is checked once, by its digest.
    reports: dict[str, object] = {}

    class RandomContract(RuleBasedStateMachine):
        @initialize(
            counting=st.sampled_from([CALENDAR_DAYS, WORKING_DAYS]),
            keys_issued_days_ago=st.sampled_from([None, 30, 1000, 2000]),
            progress=st.integers(0, 3),
        )
        def a_ratified_contract(self, counting, keys_issued_days_ago, progress):
            """The contract generated from the ratified draft, in a region that counts its
            periods in calendar or in working days; the chiefs may hold signing keys from an
            earlier contract. It may have come some way already: 1 the union chief signed,
            2 both chiefs signed, 3 the employer filed it."""
            self.example = db.session.begin_nested()
            self.now = NOW
            self.deemed_on: date | None = None
            monkeypatch.setattr(clock, "now", lambda: self.now)
            contract.enterprise.region.day_counting = counting
            db.session.flush()
            if keys_issued_days_ago is not None:
                self.now = NOW - timedelta(days=keys_issued_days_ago)
                for chief in CHIEFS:
                    auth_ops.issue_signing_key(people[chief], PASSWORD)
                self.now = NOW
            for chief in CHIEFS[:progress]:
                self.sign(chief, mistake=None)
            if progress == 3:
                self.file(EMPLOYER_CHIEF)

        def teardown(self):
            self.example.rollback()

        @property
        def today(self) -> date:
            return clock.today()

        def stored(self) -> tuple:
            """What a refused request must leave as it was: the rows of every table it might
            write to, and the contract's row with its negotiation's state."""
            counts = db.session.execute(
                sa.select(
                    *(
                        sa.select(sa.func.count()).select_from(model).scalar_subquery()
                        for model in STORED
                    )
                )
            ).one()
            return tuple(counts), tuple(self.row())

        def contract_events(self) -> int:
            return db.session.scalar(
                sa.select(sa.func.count()).where(
                    AuditEvent.subject_type == "contracts", AuditEvent.subject_id == contract.id
                )
            )

        def attempt(self, action, legitimate: bool, events: int | None = 1) -> bool:
            """One request: a legitimate one is done whole, with `events` audit events on the
            contract, unless a deadline would fall in a year with no known holiday schedule
            (refused, never guessed); any other is refused with nothing stored."""
            before, events_before = self.stored(), self.contract_events()
            try:
                with db.session.begin_nested():
                    action()
            except (AccordError, WorkflowError) as refusal:
                assert self.stored() == before
                assert not legitimate or isinstance(refusal, CalendarNotCovered), refusal
                return False
            assert legitimate, "done, but it should have been refused"
            if events is not None:
                assert self.contract_events() == events_before + events
            return True

        # --- the people ---------------------------------------------------------------------

        @rule(
            who=mostly(*CHIEFS),
            mistake=st.one_of(st.none(), st.sampled_from(["password", "full_name", "revision"])),
        )
        def sign(self, who, mistake):
            """A chief signs with their password and typed name the revision they were shown;
            sometimes the wrong password or name, or a revision that has been signed since."""
            person, revisions = people[who], contract.revisions
            stale = revisions[-2].sha256 if len(revisions) > 1 else hashlib.sha256().hexdigest()
            shown = stale if mistake == "revision" else contract.latest.sha256
            side = SIDE_OF.get(who) if who in CHIEFS else None
            legitimate = (
                side is not None
                and mistake is None
                and contract.state in ("drafted", "signing")
                and contract.signature(side) is None
            )
            self.attempt(
                lambda: ops.sign(
                    contract,
                    person,
                    password="not-my-password" if mistake == "password" else PASSWORD,
                    full_name="别人的名字" if mistake == "full_name" else person.full_name,
                    document_sha256=shown,
                ),
                legitimate,
            )

        @rule(
            who=mostly(*CHIEFS),
            reason=st.sampled_from(["工资表第三级金额有误", " "]),
            rarely=st.integers(0, 3),
        )
        def refuse_to_sign(self, who, reason, rarely):
            if rarely:
                return
            legitimate = (
                who in CHIEFS and contract.state in ("drafted", "signing") and bool(reason.strip())
            )
            self.attempt(lambda: ops.void(contract, people[who], reason), legitimate)

        @rule(who=mostly(EMPLOYER_CHIEF, EMPLOYER_REP))
        def file(self, who):
            legitimate = contract.state == "signed" and SIDE_OF.get(who) == "employer"
            self.attempt(lambda: ops.file_contract(contract, people[who]), legitimate)

        def in_review(self, who) -> bool:
            # 集体合同规定 Art 46-47: the labour administration decides within the review period.
            return (
                who == OFFICER and contract.state == "filed" and self.today <= contract.review_due
            )

        @rule(who=mostly(OFFICER))
        def approve(self, who):
            self.attempt(lambda: ops.approve(contract, people[who]), self.in_review(who))

        @rule(
            who=mostly(OFFICER),
            opinion=st.sampled_from(["第三条技能津贴低于最低工资", ""]),
        )
        def object_to(self, who, opinion):
            self.attempt(
                lambda: ops.object_to(contract, people[who], opinion),
                self.in_review(who) and bool(opinion),
            )

        @rule(
            who=mostly(*REPRESENTATIVES),
            days_ago=st.integers(0, 10),
            method=st.sampled_from(["厂务公开栏", " "]),
        )
        def record_publication(self, who, days_ago, method):
            published_on = self.today - timedelta(days=days_ago)
            side = SIDE_OF.get(who)
            legitimate = (
                contract.state in workflow.IN_FORCE
                and side is not None
                and contract.publication(side) is None
                and bool(method.strip())
                and contract.effective_on <= published_on
            )
            self.attempt(
                lambda: ops.record_publication(
                    contract, people[who], published_on=published_on, method=method
                ),
                legitimate,
            )

        @rule(who=mostly(*REPRESENTATIVES))
        def ask_to_renew(self, who):
            legitimate = (
                contract.state in workflow.IN_FORCE
                and who in SIDE_OF
                and contract.renewal_negotiation_id is None
                and self.today >= contract.renewal_opens_on
            )
            self.attempt(lambda: ops.renew(contract, people[who]), legitimate)

        # --- the days go by -----------------------------------------------------------------

        @rule(days=st.integers(0, 20), before_the_tick=st.booleans())
        def a_few_days_pass(self, days, before_the_tick):
            self.days_pass(days, tick=not before_the_tick)

        @rule(days=st.integers(21, 800), rarely=st.integers(0, 3))
        def months_pass(self, days, rarely):
            if rarely == 0:
                self.days_pass(days)

        def days_pass(self, days: int, tick: bool = True) -> None:
            """The clock moves on and the tick fires every deadline that fell due; people may
            also act on the new day before the tick has run (cron runs it once in a while)."""
            self.now += timedelta(days=days)
            if tick:
                self.tick()

        @rule()
        def tick(self):
            """Deemed approvals and expiry, each once; the whole tick is refused when a deadline
            it computes falls in a year with no known holiday schedule."""
            before = contract.state
            if not self.attempt(lambda: run_tick(self.today), True, events=None):
                return
            if contract.state == "filed":
                assert self.today <= contract.review_due
            if contract.state in workflow.IN_FORCE:
                assert self.today <= contract.ends_on
            if before == "filed" and contract.state != "filed":
                self.deemed_on = self.today

        # --- the invariants, read back from the database ------------------------------------

        def row(self):
            """The contract's row as stored, with its negotiation's state."""
            return db.session.execute(
                sa.select(Contract.__table__, Negotiation.state.label("negotiation_state"))
                .join(Negotiation, Negotiation.id == Contract.negotiation_id)
                .where(Contract.id == contract.id)
            ).one()

        @invariant()
        def states_stay_valid(self):
            row = self.row()
            assert row.state in workflow.STATES
            # 集体合同规定 Art 46: a returned or refused contract sends the talks back.
            reopened = row.state in ("returned", "void")
            assert row.negotiation_state == ("negotiating" if reopened else "ratified")

        @invariant()
        def the_signatures_are_the_chiefs_and_verify(self):
            row = self.row()
            signatures = db.session.execute(
                sa.select(
                    ContractSignature.side,
                    ContractSignature.signer_id,
                    ContractSignature.revision_number,
                ).where(ContractSignature.contract_id == contract.id)
            ).all()
            revisions = db.session.execute(
                sa.select(ContractRevision.number, ContractRevision.sha256)
                .where(ContractRevision.contract_id == contract.id)
                .order_by(ContractRevision.number)
            ).all()
            expected = {"drafted": [0], "signing": [1], "void": [0, 1]}.get(row.state, [2])
            assert len(signatures) in expected
            assert [r.number for r in revisions] == list(range(len(signatures) + 1))
            chiefs = {side: people[chief].id for chief, side in SIDE_OF.items() if chief in CHIEFS}
            assert all(s.signer_id == chiefs[s.side] for s in signatures)
            assert sorted(s.revision_number for s in signatures) == list(
                range(1, len(signatures) + 1)
            )
            if row.state not in TWO_SIGNATURES:
                return
            assert sorted(s.side for s in signatures) == sorted(SIDES)
            latest = db.session.scalar(
                sa.select(ContractRevision.pdf).where(
                    ContractRevision.contract_id == contract.id,
                    ContractRevision.number == revisions[-1].number,
                )
            )
            digest = hashlib.sha256(latest).hexdigest()
            assert digest == revisions[-1].sha256
            if digest not in reports:
                ca = db.session.scalar(
                    sa.select(SigningAuthority.cert_pem).order_by(SigningAuthority.id)
                )
                reports[digest] = verify_contract_pdf(latest, ca)
            report = reports[digest]
            assert report.valid, report.problems
            assert report.original_sha256 == revisions[0].sha256
            assert sorted(
                (s.side, s.signer_user_id, s.intact, s.trusted) for s in report.signatures
            ) == sorted((side, user_id, True, True) for side, user_id in chiefs.items())

        @invariant()
        def in_effect_only_after_an_approval_or_the_review_period(self):
            row = self.row()
            if row.state not in IN_EFFECT:
                assert row.decision in (None, "objected")
                return
            assert row.filed_on is not None and row.effective_on == row.decided_on
            if row.decision == "approved":
                reviewer = db.session.get(User, row.reviewer_id)
                assert reviewer.is_labour_officer
                assert reviewer.region_id == contract.enterprise.region_id
                assert row.filed_on <= row.decided_on <= row.review_due
            else:
                # 集体合同规定 Art 47: no objection within the period → in effect the day after.
                assert row.decision == "deemed_approved"
                assert row.decided_on == row.review_due + timedelta(days=1)
                assert self.deemed_on is not None and self.deemed_on > row.review_due
            term = rules.term(
                row.effective_on, row.term_years, contract.enterprise.region.rule_profile
            )
            assert (row.ends_on, row.renewal_opens_on) == (term.ends_on, term.renewal_opens_on)
            published = db.session.scalars(
                sa.select(ContractPublication.published_on).where(
                    ContractPublication.contract_id == contract.id
                )
            ).all()
            assert all(row.effective_on <= day <= self.today for day in published)
            if row.state in workflow.IN_FORCE:
                # 试行办法 Art 23: published once both sides have told their people.
                both = len(published) == len(SIDES)
                assert row.state == ("published" if both else "effective")

        @invariant()
        def every_deadline_ends_on_a_working_day(self):
            """Filing, review and publication periods, counted as the region counts days.
            (The term and the renewal window are counted in months and are not moved, 民法典
            Art 202.)"""
            row = self.row()
            profile = contract.enterprise.region.rule_profile
            last_signed_at = db.session.scalar(
                sa.select(sa.func.max(ContractSignature.signed_at)).where(
                    ContractSignature.contract_id == contract.id
                )
            )
            periods = [
                (row.review_due, row.filed_on, profile.review_days),
                (row.publication_due, row.effective_on, profile.publication_days),
            ]
            if row.filing_due is not None:
                signed_on = last_signed_at.astimezone(clock.CHINA).date()
                periods.append((row.filing_due, signed_on, profile.filing_days))
            for due, start, days in periods:
                if due is not None:
                    assert period_ends_on(start, days, due, profile.day_counting), (start, due)
            assert (row.filing_due is None) == (row.state in ("drafted", "signing", "void"))
            assert (row.review_due is None) == (row.filed_on is None)
            assert (row.publication_due is None) == (row.state not in IN_EFFECT)

        @invariant()
        def the_audit_trail_retells_the_contract(self):
            events = db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.subject_type == "contracts", AuditEvent.subject_id == contract.id)
                .order_by(AuditEvent.seq)
            ).all()
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert all(e.hash == e.compute_hash() for e in events)
            assert all(a.hash == b.prev_hash for a, b in zip(events, events[1:], strict=False))
            moves = [e for e in events if e.to_state is not None]
            assert (moves[0].action, moves[0].to_state) == ("generated", "drafted")
            for earlier, later in zip(moves, moves[1:], strict=False):
                assert later.from_state == earlier.to_state
                assert (later.action, later.from_state, later.to_state) in EDGES
            assert moves[-1].to_state == self.row().state

    run_state_machine_as_test(
        RandomContract,
        settings=settings(
            max_examples=20,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
