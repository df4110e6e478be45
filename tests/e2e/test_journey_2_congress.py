"""Journey 2: the workers' congress of 康源药业 (ky-…) votes on the agreed draft, on phones.

The demo has 48 delegates and the draft waiting as a secret-ballot motion in a scheduled
session. The quorum is 32 present (3·present ≥ 2·48) and an item passes with 25 yes votes
(2·yes > 48): the journey lands exactly on both thresholds. Three delegates check in and vote
in the phone browser; the secretary checks in 29 more on the session page, and 22 of those vote
through the JSON API with their own tokens.
"""

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
).expect

ENTERPRISE = "泰州康源药业有限公司"
SESSION = "三届三次职工代表大会"
TOTAL, QUORUM, YES_NEEDED = 48, 32, 25
PHONE_VOTERS = ("ky-delegate-01", "ky-delegate-02", "ky-delegate-03")
CHECKED_IN_BY_SECRETARY = ["ky-union-chair", "ky-union-2"] + [
    f"ky-delegate-{n:02d}" for n in range(4, 31)
]
API_VOTERS = CHECKED_IN_BY_SECRETARY[: YES_NEEDED - len(PHONE_VOTERS)]


def to_session(page) -> None:
    """From the home page to the sitting, as anyone in the enterprise gets there."""
    page.get_by_role("link", name=ENTERPRISE).first.click()
    page.locator("#congress").get_by_role("link", name="Workers' congress").click()
    page.get_by_role("link", name=SESSION).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SESSION)


def fits_the_screen(page) -> bool:
    """Nothing sticks out sideways: the page reads on the phone without scrolling across."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def vote_yes_on_every_item(page) -> int:
    """The ballot on the phone: choose, review, change once, cast; returns the item count."""
    items = page.locator("fieldset.ballot-item")
    expect(items.first).to_be_visible()
    count = items.count()
    assert count >= 2, "the draft is voted item by item"
    expect(page.locator("#final")).to_contain_text("cannot be changed")
    assert fits_the_screen(page)
    items.nth(0).get_by_label("no", exact=True).tap()
    for i in range(1, count):
        items.nth(i).get_by_label("yes", exact=True).tap()
    page.get_by_role("button", name="Review my vote").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator(".summary .answer-no")).to_have_count(1)
    page.get_by_role("button", name="Change").tap()  # a second thought on the first item
    expect(items.nth(0).get_by_label("no", exact=True)).to_be_checked()
    items.nth(0).get_by_label("yes", exact=True).tap()
    page.get_by_role("button", name="Review my vote").tap()
    expect(page.locator(".summary .answer-yes")).to_have_count(count)

    page.get_by_role("button", name="Cast my vote").tap()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your vote is recorded")
    expect(page.locator("input[type=radio]")).to_have_count(0)  # the choices are not shown again
    return count


def test_delegates_check_in_and_vote_on_their_phones_and_the_draft_is_ratified(
    signed_in, server, journeys
):
    secretary = signed_in("ky-secretary", phone=True)
    to_session(secretary)
    session_url = secretary.url
    secretary.get_by_role("button", name="Open the session").tap()
    expect(secretary.locator("h1 .tag")).to_have_text("in session")
    code = secretary.locator("#checkin-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)

    # Three delegates check themselves in on their phones with the code shown in the hall.
    phones = []
    for username in PHONE_VOTERS:
        phone = signed_in(username, phone=True)
        to_session(phone)
        phone.get_by_role("link", name="Check in").tap()
        phone.get_by_label("Check-in code").fill(code)
        phone.get_by_role("button", name="Check in").tap()
        expect(phone.locator("#checked-in")).to_contain_text("You are checked in")
        assert fits_the_screen(phone)
        phones.append(phone)

    # The secretary checks in the others who are in the hall, one by one.
    people = server.delegates(CHECKED_IN_BY_SECRETARY)
    secretary.reload()
    expect(secretary.locator("#attendance-count")).to_have_text(
        f"{len(PHONE_VOTERS)} of {TOTAL} present, {QUORUM} needed"
    )
    delegate_choice = secretary.get_by_label("Delegate")
    for username in CHECKED_IN_BY_SECRETARY:
        option = delegate_choice.locator("option", has_text=people[username]["employee_no"])
        name = option.inner_text().split(" · ")[0]
        delegate_choice.select_option(option.get_attribute("value"))
        secretary.get_by_role("button", name="Check this delegate in").tap()
        expect(secretary.locator(".flash-success")).to_have_text(f"{name} is checked in.")
    expect(secretary.locator("#attendance-count")).to_have_text(
        f"{QUORUM} of {TOTAL} present, {QUORUM} needed"
    )
    expect(secretary.locator("#attendance-card")).to_contain_text("quorum reached")

    # The secretary opens the voting on the draft.
    secretary.locator("#motions li a").first.tap()
    secretary.wait_for_url(re.compile(r"/motions/\d+$"))
    motion_url = secretary.url
    motion_id = int(re.search(r"/motions/(\d+)$", motion_url)[1])
    secretary.get_by_role("button", name="Open the voting").tap()
    expect(secretary.locator("h1 .tag")).to_have_text("open for voting")

    # The three vote on their phones, from the session page.
    items = 0
    for phone in phones:
        phone.goto(session_url)
        phone.locator("#motions").get_by_role("link", name="Vote now").tap()
        items = vote_yes_on_every_item(phone)

    # The others vote with their own tokens through the JSON API.
    for username in API_VOTERS:
        answers = {str(n): "yes" for n in range(1, items + 1)}
        recorded = server.api(
            "POST", f"/motions/{motion_id}/ballot", people[username]["token"], {"answers": answers}
        )
        assert recorded == {"recorded": True}

    secretary.goto(motion_url)
    expect(secretary.locator("#participation")).to_have_text(
        f"{YES_NEEDED} of {TOTAL} voted · {QUORUM} present at the opening"
    )
    secretary.get_by_role("button", name="Close the voting").tap()
    expect(secretary.locator("h1 .tag")).to_have_text("closed")
    secretary.get_by_role("link", name=re.compile(r"^Results")).tap()

    # The results: every item passed with exactly the 25 yes votes needed; the draft is ratified.
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("passed")
    rows = secretary.locator("#items tbody tr")
    expect(rows).to_have_count(items)
    for i in range(items):
        cells = rows.nth(i).locator("td")
        expect(cells.nth(2)).to_have_text(str(YES_NEEDED))
        expect(cells.nth(6)).to_have_text(str(YES_NEEDED))
        expect(cells.nth(7)).to_have_text("passed")
    expect(secretary.locator("#turnout")).to_contain_text(f"{YES_NEEDED} of {TOTAL} voted")
    expect(secretary.locator("#seal")).to_contain_text("intact")
    expect(secretary.locator("#negotiation .tag")).to_have_text("ratified")
    # On the phone nothing scrolls sideways, the counts' table neither.
    assert secretary.evaluate(
        "[document.documentElement, ...document.querySelectorAll('.table-wrap, .table')]"
        ".every(e => e.scrollWidth <= e.clientWidth + 1)"
    )
    screenshot(secretary, "journey-2-congress-results")
    journeys["ky_ratified"] = True
