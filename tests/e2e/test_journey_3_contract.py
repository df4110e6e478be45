"""Journey 3: the contract journey 2 generated is signed by both chiefs, filed by the employer,
approved by the labour officer of 海陵区, downloaded by a worker and checked on /verify."""

import hashlib
import re

import pytest

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
).expect

ENTERPRISE = "泰州康源药业有限公司"


@pytest.fixture
def contract_url(journeys, signed_in) -> str:
    """The contract's page, found from the enterprise page as any member finds it."""
    if not journeys.get("ky_ratified"):
        pytest.skip("journey 3 signs the contract of journey 2, which did not run or did not pass")
    page = signed_in("ky-union-chair")
    page.get_by_role("link", name=ENTERPRISE).first.click()
    page.locator("#contracts").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/contracts/\d+$"))
    return page.url


def state_of(page):
    return page.locator("h1 .tag")


def sign(page, contract_url: str, side: str) -> str:
    """A chief reads the exact text offered and signs it with their password and name on record;
    returns that name."""
    page.goto(contract_url)
    page.get_by_role("link", name="Sign the contract").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the contract")
    # 1. Read: the PDF offered is the one whose SHA-256 the page pins.
    pdf = page.request.get(
        page.get_by_role("link", name="Open the contract (PDF) in a new tab").get_attribute("href")
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pinned = page.locator('input[name="document_sha256"]').input_value()
    assert hashlib.sha256(pdf.body()).hexdigest() == pinned
    # 2. Sign, with the name on record and the password that unlocks the signer's own key.
    name_on_record = page.locator("#sign dd strong").inner_text()
    page.get_by_label("Your full name").fill(name_on_record)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=f"Sign the contract for the {side} side").click()
    expect(page).to_have_url(contract_url)
    expect(page.locator("#signatures")).to_contain_text(name_on_record)
    return name_on_record


def test_the_chiefs_sign_the_officer_approves_and_the_pdf_verifies(
    contract_url, signed_in, visitor
):
    union_chief = signed_in("ky-union-chair")
    union_chief.goto(contract_url)
    expect(state_of(union_chief)).to_have_text("awaiting signatures")
    signers = {sign(union_chief, contract_url, "union")}
    expect(state_of(union_chief)).to_have_text("being signed")

    employer_chief = signed_in("ky-employer-chief")
    signers.add(sign(employer_chief, contract_url, "employer"))
    expect(state_of(employer_chief)).to_have_text("signed")

    # An employer representative files the signed text with the labour administration.
    employer_rep = signed_in("ky-employer-2")
    employer_rep.goto(contract_url)
    expect(employer_rep.locator("#deadlines")).to_contain_text("days left")
    employer_rep.get_by_role(
        "button", name="File the contract with the labour administration"
    ).click()
    expect(state_of(employer_rep)).to_have_text("filed for review")

    # The labour officer of the region finds it in the review queue and approves it.
    officer = signed_in("officer-hailing")
    officer.get_by_role("link", name="Reviews").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Contracts to review")
    officer.get_by_role("link", name=ENTERPRISE).click()
    expect(officer).to_have_url(contract_url)
    officer.get_by_role("button", name="Approve the contract").click()
    expect(state_of(officer)).to_have_text("in effect")

    # A worker downloads the contract in effect.
    worker = signed_in("ky-delegate-04")
    worker.goto(contract_url)
    expect(state_of(worker)).to_have_text("in effect")
    with worker.expect_download() as download_info:
        worker.get_by_role("link", name="Download the contract (PDF)").click()
    download = download_info.value
    assert re.fullmatch(r"contract-[A-Z0-9-]+\.pdf", download.suggested_filename)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "journey-3-contract.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    # Anyone, signed in or not, checks the downloaded file on the public verification page.
    anonymous = visitor(path="/verify")
    anonymous.get_by_label("Contract PDF").set_input_files(pdf)
    anonymous.get_by_role("button", name="Verify").click()
    result = anonymous.locator("#result")
    expect(result).to_contain_text("Valid.")
    expect(result).not_to_contain_text("NOT valid")
    signatures = result.locator(".cards > li")
    expect(signatures).to_have_count(2)
    assert set(signatures.locator("h3").all_inner_texts()) == signers
    for signature in signatures.all():
        expect(signature.locator("dd .tag-ok")).to_have_count(3)  # intact, trusted, unmodified
    expect(result).to_contain_text(ENTERPRISE)
    expect(result).to_contain_text("exactly the current text as stored here")
    screenshot(anonymous, "journey-3-contract-verified")
