"""Journey 1: from the union's written request to an agreed draft, through the real pages.

长江船舶 (cj-…) has a request of its own awaiting an answer in the demo; this journey opens a
second, fresh one there, so that the request is written and sent through the pages too.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
).expect

CHINA = ZoneInfo("Asia/Shanghai")
SUBJECT = "2027年度能级工资集体协商（浏览器测试）"
REPRESENTATIVES = {
    "union": ("cj-union-chair", "cj-union-2", "cj-union-3"),
    "employer": ("cj-employer-chief", "cj-employer-2", "cj-employer-3"),
}


def local_minutes(moment: datetime) -> str:
    """A datetime-local input's value, China time."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def state_of(page):
    return page.locator("h1 .tag.state")


def appoint(page, side: str, position: str) -> None:
    """Appoint the side's representatives, the first as its chief, on the representatives page."""
    seated = page.locator(f".side-{side} .people li:not(.muted)")
    for i, username in enumerate(REPRESENTATIVES[side]):
        page.get_by_label("Username of a member").fill(username)
        page.get_by_label("Position").fill(position)
        page.get_by_label("Chief representative").set_checked(i == 0)
        page.get_by_role("button", name="Appoint", exact=True).click()
        expect(seated).to_have_count(i + 1)
    expect(seated.first).to_contain_text("chief")


def propose(page, raise_yuan: int, note: str) -> None:
    """On the ladder form (prefilled with the grid in force), raise every grade's base wage."""
    page.get_by_role("link", name="Make your proposal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proposal of the")
    rows = page.locator("fieldset.grade-row")
    expect(rows).to_have_count(8)
    for i in range(8):
        base = rows.nth(i).get_by_label("Base wage (yuan)")
        base.fill(f"{float(base.input_value()) + raise_yuan:.2f}")
    page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Put the proposal on the table").click()
    expect(page).to_have_url(re.compile(r"/rounds/\d+$"))


def test_a_union_request_becomes_an_agreed_draft(signed_in):
    now = datetime.now(CHINA)
    union = signed_in("cj-union-chair")
    employer = signed_in("cj-employer-chief")

    # The union chair writes the request on the enterprise page and sends it.
    union.get_by_role("link", name="靖江长江船舶重工有限公司").first.click()
    union.get_by_role("link", name="Open a negotiation").click()
    union.get_by_label("Subject").fill(SUBJECT)
    union.get_by_label("Proposed term").select_option("2")
    union.get_by_label("Topics to negotiate").fill("各能级基本工资和技能津贴标准；年度工资调整办法")
    union.get_by_label("Proposed time").fill(local_minutes(now + timedelta(days=10)))
    union.get_by_label("Proposed place").fill("长江船舶行政楼二楼会议室")
    union.get_by_role("button", name="Save as a draft").click()
    expect(union).to_have_url(re.compile(r"/negotiations/\d+$"))
    negotiation_url = union.url
    expect(state_of(union)).to_have_text("draft")
    union.get_by_role("button", name="Send the request").click()
    expect(state_of(union)).to_have_text("requested")
    expect(union.locator("#deadlines")).to_contain_text("days left")

    # The employer chief finds it among the negotiations and accepts it in writing.
    employer.get_by_role("link", name="Negotiations").click()
    employer.get_by_role("link", name=SUBJECT).click()
    expect(employer).to_have_url(negotiation_url)
    employer.get_by_label("Your own topics (optional)").fill("技能津贴与绩效考核挂钩")
    employer.get_by_role("button", name="Accept the request").click()
    expect(state_of(employer)).to_have_text("preparing")
    expect(employer.locator("#request")).to_contain_text("技能津贴与绩效考核挂钩")

    # Each side appoints three representatives (one chief); the union names the recorder.
    union.reload()
    for page, side, position in ((union, "union", "工会代表"), (employer, "employer", "企业代表")):
        page.get_by_role("link", name="Appoint or replace representatives").click()
        appoint(page, side, position)
    union.get_by_label("Username of the recorder").fill("cj-secretary")
    union.get_by_role("button", name="Name the recorder").click()
    expect(
        union.get_by_text("The representatives and the recorder meet the rules.")
    ).to_be_visible()
    union.get_by_role("link", name="Back to the negotiation").click()
    union.get_by_role("button", name="Start the talks").click()
    expect(state_of(union)).to_have_text("negotiating")

    # The clauses besides the grid, then a round with a proposal from each side.
    union.get_by_role("link", name="Change the clauses").click()
    union.get_by_label("Term").select_option("2")
    union.get_by_label("Annual wage adjustment rule").fill("每年7月1日起按上年度企业经济效益调整")
    union.get_by_label("Pay day (day of the month)").fill("15")
    union.get_by_role("button", name="Save the clauses").click()
    expect(union.locator(".flash-success")).to_contain_text("The clauses are saved")
    union.get_by_role("link", name="Back to the negotiation").click()
    union.get_by_text("Schedule the next round…").click()
    union.get_by_label("Time").fill(local_minutes(now + timedelta(days=1)))
    union.get_by_label("Place").fill("长江船舶行政楼二楼会议室")
    union.get_by_role("button", name="Schedule the round").click()
    expect(union.get_by_role("heading", level=1)).to_contain_text("Round 1")
    round_url = union.url
    propose(union, 200, "各能级基本工资每月增加200元")

    employer.goto(round_url)
    propose(employer, 120, "各能级基本工资每月增加120元")
    employer_proposal = employer.locator(".proposal").filter(has_text="employer side")
    expect(employer_proposal.locator("table")).to_be_visible()

    # The union accepts the employer's grid; the employer accepts its own: the draft is agreed.
    union.goto(round_url)
    union.locator(".proposal").filter(has_text="employer side").get_by_role(
        "button", name="Accept this grid with the clauses as they stand"
    ).click()
    expect(state_of(union)).to_have_text("negotiating")
    expect(union.locator("#costing")).to_contain_text("accepts Round 1 · employer")

    employer.goto(round_url)
    employer_proposal.get_by_role(
        "button", name="Accept this grid with the clauses as they stand"
    ).click()
    expect(employer).to_have_url(negotiation_url)
    expect(state_of(employer)).to_have_text("agreed")
    expect(employer.locator("#history")).to_contain_text("Draft agreed")
    screenshot(employer, "journey-1-negotiation-agreed")
