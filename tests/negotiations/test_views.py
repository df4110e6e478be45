"""The negotiation pages as each side, the federation and an outsider see and use them."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.negotiations import operations as ops
from app.negotiations.models import Negotiation
from app.wage_grids.models import WageGrid
from tests.conftest import counted_statements
from tests.fixtures.negotiations import TODAY, grid_rows
from tests.fixtures.pages import text


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    """Every page counts its days from TODAY (Monday 1 June 2026)."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def page(client):
    """GET `url` and return its text, which must have loaded."""

    def get(url, status=200):
        return text(client.get(url), status)

    return get


def post(client, url, data=None, status=302):
    response = client.post(url, data=data or {})
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def grid_form(rows, note="") -> dict:
    """A wage grid as the proposal form posts it: yuan with two decimals."""
    data = {"note": note}
    for i, row in enumerate(rows):
        data[f"rows-{i}-base"] = str(Decimal(row.base_fen).scaleb(-2))
        data[f"rows-{i}-allowance"] = str(Decimal(row.allowance_fen).scaleb(-2))
        data[f"rows-{i}-headcount"] = str(row.headcount)
    return data


def action_urls(html: str, negotiation_id: int) -> set[str]:
    """The actions a page offers on the negotiation: the last part of each form's URL."""
    prefix = f"/negotiations/{negotiation_id}/"
    return {
        url.removeprefix(prefix)
        for url in re.findall(r'<form method="post" action="([^"]+)"', html)
        if url.startswith(prefix)
    }


TRIGGER_FORMS = {
    "send",
    "accept",
    "refuse",
    "escalate",
    "withdraw",
    "start",
    "suspension",
    "suspension/confirm",
    "resume",
    "dispute/extend",
    "dispute/resolve",
    "abandon",
    "reopen",
}


def offered(html: str, negotiation_id: int) -> set[str]:
    return action_urls(html, negotiation_id) & TRIGGER_FORMS


def test_a_negotiation_goes_from_request_to_agreed_through_the_pages(world, client, sign_in, page):
    union, employer = world.union_chief, world.employer_chief
    enterprise_url = f"/enterprises/{world.enterprise.id}"

    # The union opens a negotiation from the enterprise page and saves its written request.
    sign_in(union)
    assert "Open a negotiation" in page(enterprise_url)
    response = post(
        client,
        f"{enterprise_url}/negotiations/new",
        {
            "subject": "2026年度能级工资集体协商",
            "term_years": "2",
            "topics": "能级工资标准；年度调整",
            "proposed_at": "2026-06-10T09:30",
            "proposed_place": "工会会议室",
        },
    )
    negotiation = db.session.scalars(select(Negotiation)).one()
    url = f"/negotiations/{negotiation.id}"
    assert response.headers["Location"] == url
    assert negotiation.proposed_at == datetime(2026, 6, 10, 1, 30, tzinfo=UTC)  # entered in China
    html = page(url)
    assert 'class="tag state state-draft">draft<' in html
    assert "2026-06-10 09:30" in html
    assert offered(html, negotiation.id) == {"send", "withdraw"}
    assert "2026年度能级工资集体协商" in page(enterprise_url)

    sign_in(employer)
    assert offered(page(url), negotiation.id) == set()

    # Sent: the employer side has 20 days to answer in writing.
    sign_in(union)
    post(client, f"{url}/send")
    html = page(url)
    assert ">requested<" in html
    assert "Written response due" in html and "2026-06-22" in html and "21 days left" in html
    assert offered(html, negotiation.id) == {"escalate", "withdraw"}

    sign_in(employer)
    html = page(url)
    assert "21 days left" in html
    assert offered(html, negotiation.id) == {"accept", "refuse"}
    post(client, f"{url}/accept", {"accept-topics": "绩效工资"})
    html = page(url)
    assert ">preparing<" in html and "绩效工资" in html
    assert "the union side has 0 representatives; at least 3 are needed" in html

    # Each side appoints its own three representatives; a neutral recorder is named.
    for chief, people, side in (
        (union, world.union, "union"),
        (employer, world.employer, "employer"),
    ):
        sign_in(chief)
        for i, person in enumerate(people):
            post(
                client,
                f"{url}/representatives",
                {
                    "side": side,
                    "username": person.username,
                    "position": "代表",
                    **({"is_chief": "y"} if i == 0 else {}),
                },
            )
    post(client, f"{url}/recorder", {"recorder-username": world.secretary.username})
    assert "The representatives and the recorder meet the rules." in page(f"{url}/representatives")
    assert offered(page(url), negotiation.id) == {"start"}
    post(client, f"{url}/start")

    # The talks: clauses, an item, a round with a proposal from each side.
    sign_in(union)
    html = page(url)
    assert ">negotiating<" in html
    assert offered(html, negotiation.id) == {"escalate", "suspension"}
    post(
        client,
        f"{url}/clauses",
        {"term_years": "2", "pay_day": "15", "adjustment_rule": "每年7月按上年度企业效益调整"},
    )
    post(client, f"{url}/items", {"new-title": "培训", "new-text": "每年安排技能培训"})
    response = post(
        client, f"{url}/rounds", {"round-held_at": "2026-06-10T10:00", "round-place": "工会会议室"}
    )
    round_url = response.headers["Location"]
    round_id = int(round_url.rsplit("/", 1)[1])
    html = page(round_url)
    assert "Make your proposal" in html and "the union chief" in html
    form = page(f"{round_url}/proposal")
    assert 'value="2200.00"' in form  # prefilled from the current grid
    post(client, f"{round_url}/proposal", grid_form(grid_rows(300_00), "每级加300元"))

    sign_in(employer)
    post(client, f"{round_url}/proposal", grid_form(grid_rows(100_00)))
    grids = {
        g.side: g for g in db.session.scalars(select(WageGrid).where(WageGrid.round_id == round_id))
    }
    assert grids["union"].rows[0].base_fen == 2_500_00
    html = page(f"{url}/comparison")
    assert "Round 1 · union" in html and "Round 1 · employer" in html
    assert "2,600.00" in html and "2,900.00" in html  # apprentice: current and the union's

    # The union accepts the employer's grid; the employer accepts it too: agreed.
    sign_in(union)
    post(client, f"/proposals/{grids['employer'].id}/accept")
    html = page(url)
    assert ">negotiating<" in html
    assert "accepts Round 1 · employer with the clauses of revision" in html
    sign_in(employer)
    post(client, f"/proposals/{grids['employer'].id}/accept")
    html = page(url)
    assert 'class="tag state state-agreed">agreed<' in html
    assert offered(html, negotiation.id) == {"reopen"}
    assert "The skill-grade wage grid agreed in round 1." in html
    assert "Wages are paid on day 15 of each month." in html and "培训" in html
    assert "Draft agreed" in html and "Talks started" in html  # the history

    # The recorder minutes the round; both chiefs confirm.
    sign_in(world.secretary)
    post(client, f"/rounds/{round_id}/minutes", {"minutes": "双方交换了能级工资方案。"})
    for chief in (union, employer):
        sign_in(chief)
        assert "Confirm the minutes" in page(round_url)
        post(client, f"/rounds/{round_id}/confirm")
    assert "minutes confirmed by both chiefs" in page(round_url)


def test_the_request_form_says_what_is_missing(world, client, sign_in, page):
    sign_in(world.union_chief)
    response = post(
        client,
        f"/enterprises/{world.enterprise.id}/negotiations/new",
        {"subject": "", "term_years": "2", "topics": "x"},
        status=422,
    )
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Negotiation.id))) == 0


def test_the_other_side_refuses_with_a_reason_and_the_requester_escalates_when_overdue(
    walk, world, client, sign_in, page, monkeypatch
):
    negotiation = walk.requested()
    db.session.commit()
    url = f"/negotiations/{negotiation.id}"

    sign_in(world.employer_chief)
    response = post(client, f"{url}/refuse", {"refuse-reason": "  "}, status=422)
    assert "This field is required." in response.get_data(as_text=True)

    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 25))
    sign_in(world.union_chief)
    html = page(url)
    assert "overdue by 3 days" in html
    assert "has not come. The requesting side may ask for dispute coordination." in html
    post(client, f"{url}/escalate")
    html = page(url)
    assert ">in dispute<" in html
    assert 'class="step step-off" aria-current="step">in dispute<' in html
    # 30 days end on Saturday 25 July, so on Monday 27 July (民法典 Art 203).
    assert "Dispute coordination ends" in html and "2026-07-27" in html
    assert "32 days left" in html
    assert offered(html, negotiation.id) == {"dispute/extend", "dispute/resolve", "abandon"}
    post(client, f"{url}/dispute/extend", {"extend-days": "10"})
    assert "2026-08-04 · <strong>40 days left" in page(url)
    response = post(client, f"{url}/dispute/extend", {"extend-days": "5"}, status=409)
    assert "already been extended once" in response.get_data(as_text=True)


def test_an_action_not_allowed_now_is_409_with_the_reason(walk, world, client, sign_in):
    negotiation = walk.requested()
    db.session.commit()
    url = f"/negotiations/{negotiation.id}"
    sign_in(world.union_chief)

    response = post(client, f"{url}/escalate", status=409)
    assert (
        "the other side has not refused and its response deadline has not passed"
        in response.get_data(as_text=True)
    )
    response = post(client, f"{url}/start", status=409)
    assert "cannot start the talks while the negotiation is requested" in response.get_data(
        as_text=True
    )
    assert negotiation.state == "requested"


def test_a_side_may_not_fire_the_other_sides_action(walk, world, client, sign_in):
    negotiation = walk.requested()
    db.session.commit()
    sign_in(world.union_chief)
    response = post(client, f"/negotiations/{negotiation.id}/accept", status=403)
    assert "You may not accept the request." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("row", "field", "value", "message"),
    [
        (2, "base", "-100", "中级工 has a negative base wage of -100.00 yuan"),
        (3, "base", "2000", "高级工 is paid 2,400.00 yuan, less than 中级工 at 3,600.00 yuan"),
        (
            0,
            "allowance",
            "0",
            "学徒工 is paid 2,200.00 yuan a month, below the minimum wage of 2,490.00 yuan",
        ),
    ],
    ids=["negative", "higher-grade-paid-less", "below-minimum-wage"],
)
def test_a_bad_grid_names_the_grade_and_figure_and_stores_nothing(
    walk, world, client, sign_in, row, field, value, message
):
    negotiation = walk.negotiating()
    round_ = ops.schedule_round(
        negotiation, world.union_chief, datetime(2026, 6, 10, 2, tzinfo=UTC), "会议室"
    )
    db.session.commit()
    grids_before = db.session.scalar(select(func.count(WageGrid.id)))
    sign_in(world.union_chief)
    data = grid_form(grid_rows())
    data[f"rows-{row}-{field}"] = value

    response = post(client, f"/rounds/{round_.id}/proposal", data, status=422)

    html = response.get_data(as_text=True)
    assert html.count(message) == 2  # in the summary on top and next to the row
    assert f'value="{value}"' in html  # what was typed stays in the form
    assert db.session.scalar(select(func.count(WageGrid.id))) == grids_before


def test_amounts_have_at_most_two_decimals(walk, world, client, sign_in):
    negotiation = walk.negotiating()
    round_ = ops.schedule_round(
        negotiation, world.union_chief, datetime(2026, 6, 10, 2, tzinfo=UTC), "会议室"
    )
    db.session.commit()
    sign_in(world.union_chief)
    data = grid_form(grid_rows()) | {"rows-1-base": "2700.005"}
    response = post(client, f"/rounds/{round_.id}/proposal", data, status=422)
    assert "初级工 · Base wage (yuan): At most two decimals (fen)." in response.get_data(
        as_text=True
    )


def test_the_comparison_highlights_what_changed_against_the_current_grid(
    walk, world, client, sign_in, page
):
    negotiation, _round, union, _employer = walk.with_proposals()
    db.session.commit()
    sign_in(world.employer_chief)
    html = page(f"/negotiations/{negotiation.id}/comparison")
    table = html[html.index('<table class="compare">') : html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    apprentice = next(r for r in rows if "学徒工" in r)
    cells = re.findall(r"<td(.*?)</td>", apprentice, re.S)
    assert len(cells) == 3  # current, union, employer
    assert "changed" not in cells[0]  # the current grid itself
    assert 'class="changed-cell"' in cells[1] and 'class="changed-cell"' in cells[2]
    assert "2,900.00" in cells[1] and "2,700.00" in cells[2]
    assert 'class="">400.00' in cells[1]  # the allowance did not change
    assert "Weighted average wage" in table and "+" in table


def test_a_delegate_sees_the_negotiation_but_no_action(walk, world, client, sign_in, page):
    negotiation, round_, union, _employer = walk.with_proposals()
    db.session.commit()
    sign_in(world.delegates[0])
    html = page(f"/enterprises/{world.enterprise.id}")
    assert f"/negotiations/{negotiation.id}" in html and "Open a negotiation" not in html
    html = page(f"/negotiations/{negotiation.id}")
    assert ">negotiating<" in html
    assert "Nothing for you to do at this stage." in html
    assert action_urls(html, negotiation.id) == set()
    assert "/accept" not in html
    page(f"/rounds/{round_.id}/proposal", status=403)
    assert post(client, f"/proposals/{union.id}/accept", status=403)


def test_suspension_is_proposed_by_one_side_and_confirmed_by_the_other(
    walk, world, client, sign_in, page
):
    negotiation = walk.negotiating()
    db.session.commit()
    url = f"/negotiations/{negotiation.id}"
    sign_in(world.union_chief)
    html = page(url)
    assert "Propose to suspend the talks…" in html and "Confirm the suspension" not in html
    post(client, f"{url}/suspension", {"suspend-resume_on": "2026-06-20"})
    html = page(url)
    assert "You proposed to suspend until 2026-06-20" in html
    assert "Confirm the suspension" not in html

    sign_in(world.employer_chief)
    html = page(url)
    assert "Confirm the suspension until 2026-06-20" in html
    post(client, f"{url}/suspension/confirm")
    html = page(url)
    assert ">suspended<" in html and "Talks resume" in html and "19 days left" in html
    assert offered(html, negotiation.id) == {"resume"}


def test_a_resume_date_in_the_past_is_refused_next_to_the_field(walk, world, client, sign_in):
    negotiation = walk.negotiating()
    db.session.commit()
    sign_in(world.union_chief)
    response = post(
        client,
        f"/negotiations/{negotiation.id}/suspension",
        {"suspend-resume_on": "2026-05-20"},
        status=422,
    )
    assert "The talks must resume after today." in response.get_data(as_text=True)


def test_appointing_an_unknown_user_or_a_second_chief_is_refused(walk, world, client, sign_in):
    negotiation = walk.negotiating()
    db.session.commit()
    url = f"/negotiations/{negotiation.id}/representatives"
    sign_in(world.union_chief)
    response = post(client, url, {"side": "union", "username": "nobody"}, status=422)
    assert "No user is called nobody." in response.get_data(as_text=True)
    response = post(
        client,
        url,
        {"side": "union", "username": world.delegates[0].username, "is_chief": "y"},
        status=422,
    )
    assert "This side has a chief representative already." in response.get_data(as_text=True)


def test_a_vacated_seat_shows_its_refill_deadline(walk, world, client, sign_in, page):
    negotiation = walk.negotiating()
    db.session.commit()
    rep = negotiation.active_representatives("union")[2]
    sign_in(world.union_chief)
    post(client, f"/representatives/{rep.id}/vacate")
    html = page(f"/negotiations/{negotiation.id}")
    assert f"Refill the seat of {rep.name}" in html and "15 days left" in html
    assert "the union side has 2 representatives; at least 3 are needed" in html


def test_the_overview_flags_an_overdue_response(
    walk, world, make, client, sign_in, page, monkeypatch
):
    overdue = walk.requested()
    answered = walk.preparing()
    db.session.commit()
    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 23))
    sign_in(make.admin())

    html = page("/negotiations")
    items = re.findall(r'<li class="card( overdue)?">(.*?)</li>', html, re.S)
    assert len(items) == 2
    by_id = {int(re.search(r"/negotiations/(\d+)", body).group(1)): flag for flag, body in items}
    assert by_id == {overdue.id: " overdue", answered.id: ""}
    assert "response due 2026-06-22" in html

    html = page("/negotiations?state=overdue")
    assert f"/negotiations/{overdue.id}" in html and f"/negotiations/{answered.id}" not in html
    html = page("/negotiations?state=preparing")
    assert f"/negotiations/{answered.id}" in html and f"/negotiations/{overdue.id}" not in html


def test_the_overview_needs_no_query_per_negotiation(world, make, client, sign_in, app):
    sign_in(make.admin())

    def queries_for_overview() -> int:
        with counted_statements() as statements:
            assert client.get("/negotiations").status_code == 200
        return len(statements)

    def open_one():
        enterprise = make.enterprise()
        rep = make.user(roles=["union_rep"], enterprise=enterprise)
        ops.open_negotiation(enterprise, rep, subject="能级工资", term_years=1, topics="工资")
        db.session.commit()

    open_one()
    few = queries_for_overview()
    for _i in range(4):
        open_one()
    assert queries_for_overview() == few


def test_the_overview_shows_members_only_their_enterprises(walk, world, client, sign_in, page):
    negotiation = walk.requested()
    db.session.commit()
    sign_in(world.outsider)
    assert f"/negotiations/{negotiation.id}" not in page("/negotiations")
    sign_in(world.delegates[0])
    assert f"/negotiations/{negotiation.id}" in page("/negotiations")


def test_an_outsider_gets_404_on_every_negotiation_page(app, walk, world, client, sign_in):
    negotiation, round_, union, _employer = walk.with_proposals()
    item = ops.add_item(negotiation, world.union_chief, "培训", "每年安排技能培训")
    db.session.commit()
    ids = {
        "negotiation_id": negotiation.id,
        "round_id": round_.id,
        "grid_id": union.id,
        "item_id": item.id,
        "representative_id": negotiation.representatives[0].id,
        "enterprise_id": world.enterprise.id,
    }
    sign_in(world.outsider)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("negotiations.") or not rule.arguments:
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 404, (method, url)
            checked += 1
    assert checked >= 25


def test_the_overview_shows_fifty_negotiations_a_page(world, make, client, sign_in, page):
    for i in range(51):
        ops.open_negotiation(
            world.enterprise, world.union_chief, subject=f"协商{i:02d}", term_years=1, topics="工资"
        )
    db.session.commit()
    sign_in(world.union_chief)
    first, second = page("/negotiations"), page("/negotiations?page=2")
    assert first.count('<li class="card">') == 50 and "Page 1 of 2" in first
    assert second.count('<li class="card">') == 1 and "协商00" in second  # newest first


def test_a_page_past_the_last_is_empty_however_far(world, client, sign_in, page):
    sign_in(world.union_chief)
    for number in (3, 2**31, 2**61):  # the last one's offset overflows a 64-bit integer
        assert '<li class="card">' not in page(f"/negotiations?page={number}")


def test_only_the_requesting_side_edits_its_draft_request(world, client, sign_in, page):
    negotiation = ops.open_negotiation(
        world.enterprise, world.union_chief, subject="能级工资", term_years=1, topics="工资"
    )
    db.session.commit()
    url = f"/negotiations/{negotiation.id}/request"
    sign_in(world.employer_chief)
    page(url, status=403)
    sign_in(world.union_chief)
    assert 'value="能级工资"' in page(url)
    post(
        client,
        url,
        {
            "subject": "2026年度能级工资",
            "term_years": "3",
            "topics": "工资标准",
            "proposed_at": "",
            "proposed_place": "",
        },
    )
    assert (negotiation.subject, negotiation.term_years) == ("2026年度能级工资", 3)
