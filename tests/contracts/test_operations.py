"""The contract's operations: generated from the ratified draft, signed with personal keys, filed,
reviewed (or deemed approved by the tick), published, renewed and expired."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.operations import history
from app.auth import operations as auth_ops
from app.auth.models import SigningKey
from app.contracts import operations as ops
from app.contracts import util
from app.contracts.models import Contract, ContractSignature
from app.contracts.verification import verify_contract_pdf
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import db
from app.notifications.models import Notification
from app.orgs.operations import set_holiday_schedule
from app.tick import run_tick
from tests.conftest import PASSWORD
from tests.contracts.conftest import NOW, ratify, sign_both
from tests.fixtures.pages import pdf_text
from workflows import calendar
from workflows.errors import TransitionNotAllowed
from workflows.rules import format_yuan


def ca_pem() -> bytes:
    return auth_ops.signing_authority().cert_pem


def signed_and_filed(deal, filed_on: date) -> Contract:
    sign_both(deal.contract, deal.union_chief, deal.employer_chief)
    ops.file_contract(deal.contract, deal.employer_chief, today=filed_on)
    db.session.commit()
    return deal.contract


def in_effect(deal, on: date = date(2026, 7, 1)) -> Contract:
    contract = signed_and_filed(deal, on)
    ops.approve(contract, deal.officer, today=on)
    db.session.commit()
    return contract


# --- generation ---------------------------------------------------------------------------------


@pytest.mark.own_pdf
def test_the_ratified_draft_becomes_a_contract_with_its_grid_in_the_pdf(deal):
    contract = deal.contract
    assert (contract.state, [r.number for r in contract.revisions]) == ("drafted", [0])
    content = pdf_text(contract.latest.pdf)
    assert contract.enterprise.name in content
    assert contract.verification_code in content
    for row in contract.negotiation.agreed_grid.rows:
        assert row.grade in content
        for fen in (row.base_fen, row.allowance_fen, row.base_fen + row.allowance_fen):
            assert format_yuan(fen) in content
    generated = history(contract)[0]
    assert (generated.action, generated.data["sha256"]) == ("generated", contract.latest.sha256)
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "contract_ready")
    ).all()
    assert set(told) == {deal.union_chief.id, deal.employer_chief.id}


# --- signing ------------------------------------------------------------------------------------


def test_both_chiefs_sign_and_both_signatures_validate_against_the_ca(deal):
    contract = deal.contract
    sign_both(contract, deal.union_chief, deal.employer_chief)
    assert contract.state == "signed"
    assert [r.number for r in contract.revisions] == [0, 1, 2]
    report = verify_contract_pdf(contract.latest.pdf, ca_pem())
    assert report.valid and not report.modified_after_signing
    assert [(s.side, s.signer_name, s.trusted, s.intact) for s in report.signatures] == [
        ("union", deal.union_chief.full_name, True, True),
        ("employer", deal.employer_chief.full_name, True, True),
    ]
    assert report.original_sha256 == contract.revisions[0].sha256
    signed = [e for e in history(contract) if e.action == "sign"]
    assert [e.data["sha256"] for e in signed] == [r.sha256 for r in contract.revisions[1:]]
    assert contract.filing_due is not None


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("password", {"password": "not-my-password"}),
        ("full_name", {"full_name": "别人的名字"}),
    ],
)
def test_a_wrong_password_or_name_signs_nothing(deal, field, values):
    contract = deal.contract
    arguments = {
        "password": PASSWORD,
        "full_name": deal.union_chief.full_name,
        "document_sha256": contract.latest.sha256,
    } | values
    with pytest.raises(InvalidInput) as refused:
        ops.sign(contract, deal.union_chief, **arguments)
    assert list(refused.value.details) == [field]
    db.session.rollback()
    assert (contract.state, len(contract.revisions), contract.signatures) == ("drafted", 1, [])


def test_signing_a_text_that_changed_since_it_was_shown_is_refused(deal):
    with pytest.raises(Conflict, match="changed since you opened it"):
        ops.sign(
            deal.contract,
            deal.union_chief,
            password=PASSWORD,
            full_name=deal.union_chief.full_name,
            document_sha256="0" * 64,
        )


def test_only_a_chief_signs_and_only_once(deal, make):
    contract = deal.contract
    member = make.user(roles=["union_rep"], enterprise=contract.enterprise)
    with pytest.raises(NotPermitted):
        ops.sign(
            contract,
            member,
            password=PASSWORD,
            full_name=member.full_name,
            document_sha256=contract.latest.sha256,
        )
    ops.sign(
        contract,
        deal.union_chief,
        password=PASSWORD,
        full_name=deal.union_chief.full_name,
        document_sha256=contract.latest.sha256,
    )
    with pytest.raises(Conflict, match="signed this contract already"):
        ops.sign(
            contract,
            deal.union_chief,
            password=PASSWORD,
            full_name=deal.union_chief.full_name,
            document_sha256=contract.latest.sha256,
        )


def test_one_signature_per_side_is_a_database_rule(deal):
    contract = deal.contract
    ops.sign(
        contract,
        deal.union_chief,
        password=PASSWORD,
        full_name=deal.union_chief.full_name,
        document_sha256=contract.latest.sha256,
    )
    first = contract.signature("union")
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(
            ContractSignature(
                contract_id=contract.id,
                side="union",
                signer_id=deal.union_chief.id,
                signing_key_id=first.signing_key_id,
                revision_number=2,
                signed_at=clock.now(),
            )
        )
        db.session.flush()


def test_a_changed_password_re_encrypts_the_key_and_the_chief_still_signs(deal):
    chief = deal.union_chief
    contract = deal.contract
    key, _ = auth_ops.unlocked_signing_key(chief, PASSWORD)
    auth_ops.change_password(chief, PASSWORD, "a-new-password-9")
    ops.sign(
        contract,
        chief,
        password="a-new-password-9",
        full_name=chief.full_name,
        document_sha256=contract.latest.sha256,
    )
    assert contract.signature("union").signing_key_id == key.id


def test_after_an_admin_reset_the_key_is_retired_and_old_signatures_stay_valid(deal, make):
    sign_both(deal.contract, deal.union_chief, deal.employer_chief)
    old = auth_ops.signing_key_in_use(deal.union_chief)
    admin = make.user(global_role="federation_admin")
    auth_ops.reset_password(deal.union_chief, "reset-by-admin-7", admin)
    assert old.retired_at is not None
    assert auth_ops.signing_key_in_use(deal.union_chief) is None  # none under the admin's password
    assert verify_contract_pdf(deal.contract.latest.pdf, ca_pem()).valid
    auth_ops.change_password(deal.union_chief, "reset-by-admin-7", "mine-alone-9")
    new, _private = auth_ops.unlocked_signing_key(deal.union_chief, "mine-alone-9")
    assert new.fingerprint_sha256 != old.fingerprint_sha256
    in_use = db.session.scalars(
        sa.select(SigningKey).where(
            SigningKey.user_id == deal.union_chief.id, SigningKey.retired_at.is_(None)
        )
    ).all()
    assert in_use == [new]


def test_a_chief_whose_certificate_expired_signs_with_a_new_one(deal, monkeypatch):
    # Found by tests/contracts/test_stateful.py: the expired key signed, and nobody trusted it.
    chief = deal.union_chief
    monkeypatch.setattr(clock, "now", lambda: NOW - timedelta(days=6 * 365))
    expired = auth_ops.issue_signing_key(chief, PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    sign_both(deal.contract, chief, deal.employer_chief)
    assert expired.retired_at is not None
    assert deal.contract.signature("union").signing_key_id != expired.id
    assert verify_contract_pdf(deal.contract.latest.pdf, ca_pem()).valid


def test_a_chief_who_refuses_to_sign_voids_it_and_the_talks_reopen(deal):
    contract = deal.contract
    with pytest.raises(TransitionNotAllowed):
        ops.void(contract, deal.employer_chief, " ")
    ops.void(contract, deal.employer_chief, "工资表第三级金额有误")
    assert (contract.state, contract.negotiation.state) == ("void", "negotiating")


# --- filing, review, effect -------------------------------------------------------------------


def test_only_the_employer_side_files(deal):
    sign_both(deal.contract, deal.union_chief, deal.employer_chief)
    with pytest.raises(NotPermitted):
        ops.file_contract(deal.contract, deal.union_chief)


def test_the_officer_approves_and_the_grid_takes_effect_today(deal):
    from app.wage_grids.queries import current_grid

    contract = in_effect(deal, date(2026, 7, 1))
    assert (contract.state, contract.decision) == ("effective", "approved")
    assert (contract.effective_on, contract.ends_on) == (date(2026, 7, 1), date(2028, 6, 30))
    assert contract.renewal_opens_on == date(2028, 3, 30)
    grid = current_grid(contract.enterprise)
    agreed = contract.negotiation.agreed_grid
    assert [(r.grade, r.base_fen) for r in grid.rows] == [
        (r.grade, r.base_fen) for r in agreed.rows
    ]


def test_an_objection_returns_the_contract_and_reopens_the_talks(deal, make):
    contract = signed_and_filed(deal, date(2026, 7, 1))
    ops.object_to(contract, deal.officer, "第五条与最低工资规定不符", today=date(2026, 7, 3))
    assert (contract.state, contract.opinion) == ("returned", "第五条与最低工资规定不符")
    assert contract.negotiation.state == "negotiating"


def test_an_officer_of_another_region_cannot_decide(deal, make):
    contract = signed_and_filed(deal, date(2026, 7, 1))
    stranger = make.user(global_role="labour_officer", region=make.region())
    with pytest.raises(NotPermitted):
        ops.approve(contract, stranger)
    assert util.review_queue(stranger) == []
    assert util.review_queue(deal.officer) == [contract]


@pytest.mark.parametrize(
    "decide",
    [
        lambda contract, officer, today: ops.approve(contract, officer, today=today),
        lambda contract, officer, today: ops.object_to(
            contract, officer, "迟到的异议", today=today
        ),
    ],
    ids=["approve", "object"],
)
def test_the_officer_decides_only_within_the_review_period(deal, decide):
    # 集体合同规定 Art 47: the day after the period the contract is in effect by law, even if the
    # tick has not recorded it yet.
    contract = signed_and_filed(deal, date(2026, 7, 1))
    assert contract.review_due == date(2026, 7, 16)
    with pytest.raises(TransitionNotAllowed, match="ended on 2026-07-16"):
        decide(contract, deal.officer, date(2026, 7, 17))
    assert contract.state == "filed"
    decide(contract, deal.officer, date(2026, 7, 16))
    assert contract.decided_on == date(2026, 7, 16)


def test_deemed_approved_the_day_after_a_review_period_that_crosses_national_day(deal):
    # Filed on 17 September 2026: the 15th day is 2 October, in the National Day holiday, so
    # the period ends on the next working day, 8 October (民法典 Art 203).
    contract = signed_and_filed(deal, date(2026, 9, 17))
    assert contract.review_due == date(2026, 10, 8)
    run_tick(date(2026, 10, 8))
    assert contract.state == "filed"
    run_tick(date(2026, 10, 9))
    assert (contract.state, contract.decision) == ("effective", "deemed_approved")
    assert contract.effective_on == date(2026, 10, 9)
    assert [e.action for e in history(contract)][-1] == "deem_approved"


def test_the_tick_reminds_once_and_expires_at_the_end_of_the_term(deal):
    contract = in_effect(deal, date(2026, 7, 1))
    run_tick(contract.publication_due)
    run_tick(contract.publication_due + timedelta(days=1))
    reminded = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "publication_due")
    ).all()
    assert len(reminded) == len({n.user_id for n in reminded}) > 0
    run_tick(contract.renewal_opens_on)
    assert contract.renewal_notified_at is not None
    run_tick(contract.ends_on)
    assert contract.state == "effective"
    run_tick(contract.ends_on + timedelta(days=1))
    assert (contract.state, contract.expired_on) == ("expired", contract.ends_on + timedelta(1))


# --- publication and renewal --------------------------------------------------------------------


def test_both_sides_record_publication_and_then_it_is_published(deal, monkeypatch):
    contract = in_effect(deal, date(2026, 7, 1))
    monkeypatch.setattr(clock, "today", lambda: date(2026, 7, 3))
    ops.record_publication(
        contract, deal.union_chief, published_on=date(2026, 7, 2), method="厂务公开栏"
    )
    assert contract.state == "effective"
    with pytest.raises(Conflict):
        ops.record_publication(
            contract, deal.union_chief, published_on=date(2026, 7, 2), method="厂务公开栏"
        )
    with pytest.raises(InvalidInput):
        ops.record_publication(
            contract, deal.employer_chief, published_on=date(2026, 6, 1), method="内网"
        )
    ops.record_publication(
        contract, deal.employer_chief, published_on=date(2026, 7, 3), method="企业内网"
    )
    assert contract.state == "published"


def test_renewal_opens_three_months_before_the_end_with_a_linked_negotiation(deal):
    contract = in_effect(deal, date(2026, 7, 1))
    with pytest.raises(Conflict, match="from 2028-03-30"):
        ops.renew(contract, deal.union_chief, today=date(2028, 3, 29))
    negotiation = ops.renew(contract, deal.union_chief, today=date(2028, 3, 30))
    assert contract.renewal_negotiation_id == negotiation.id
    assert (negotiation.state, negotiation.term_years) == ("draft", contract.term_years)
    with pytest.raises(Conflict):
        ops.renew(contract, deal.employer_chief, today=date(2028, 4, 1))


def test_a_returned_contract_is_followed_by_a_new_one_after_the_next_ratification(deal, make):
    contract = signed_and_filed(deal, date(2026, 7, 1))
    ops.object_to(contract, deal.officer, "请补充调整机制", today=date(2026, 7, 3))
    db.session.commit()
    negotiation = contract.negotiation
    assert negotiation.state == "negotiating"
    live = db.session.scalars(
        sa.select(Contract).where(
            Contract.negotiation_id == negotiation.id, Contract.state.not_in(["returned", "void"])
        )
    ).all()
    assert live == []


def test_the_uploaded_copy_finds_its_contract(deal):
    sign_both(deal.contract, deal.union_chief, deal.employer_chief)
    found = util.verify_upload(deal.contract.latest.pdf)
    assert found.contract == deal.contract and found.report.valid
    unsigned = util.verify_upload(deal.contract.revisions[0].pdf)
    assert unsigned.contract == deal.contract and unsigned.report.signatures == []


def test_a_contract_is_not_made_from_a_draft_that_is_not_ratified(walk):
    with pytest.raises(Conflict):
        ops.create_contract(walk.agreed())


def test_ratify_helper_builds_one_contract_per_negotiation(make, walk):
    contract = ratify(make, walk)
    assert db.session.scalar(sa.select(sa.func.count(Contract.id))) == 1
    assert contract.motion.negotiation_id == contract.negotiation_id


def test_a_contract_deemed_approved_at_the_year_end_gets_a_provisional_publication_deadline(
    deal,
):
    """Deemed approved on 31 December 2026, its publication deadline falls in 2027, whose holiday
    schedule nobody has entered: counted on the statutory holidays, and counted again — moved,
    audited — when the schedule arrives."""
    contract = signed_and_filed(deal, date(2026, 12, 15))
    assert contract.review_due == date(2026, 12, 30)
    assert "1 contract deemed approved" in run_tick(date(2026, 12, 31))
    assert (contract.state, contract.decision) == ("effective", "deemed_approved")
    assert contract.publication_due == date(2027, 1, 5) and contract.publication_due_provisional
    try:
        moved = set_holiday_schedule(2027, "2027-01-01..2027-01-05", "", "test data", None)
    finally:
        calendar.publish([])
    assert [(m.old, m.due) for m in moved] == [(date(2027, 1, 5), date(2027, 1, 6))]
    assert contract.publication_due == date(2027, 1, 6) and not contract.publication_due_provisional
