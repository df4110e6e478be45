"""The contract pages as the chiefs, the employer, the labour officer, a worker and an anonymous
visitor use them: signing, filing, review, publication, download and public verification."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app import clock
from app.contracts import operations as ops
from app.contracts.models import ContractRevision, ContractSignature
from app.extensions import db
from tests.conftest import PASSWORD
from tests.contracts.conftest import sign_both
from tests.fixtures.pages import text
from workflows.rules import format_yuan

PDF = "application/pdf"


def shown_sha256(html: str) -> str:
    """The hash the signing page puts in its hidden field."""
    return re.search(r'name="document_sha256" type="hidden" value="([0-9a-f]{64})"', html)[1]


def sign_form(user, sha256: str, **changes) -> dict:
    return {
        "full_name": user.full_name,
        "password": PASSWORD,
        "document_sha256": sha256,
        **changes,
    }


def sign_via_page(client, contract, user) -> None:
    url = f"/contracts/{contract.id}/sign"
    page = text(client.get(url))
    sha256 = shown_sha256(page)
    assert sha256 == contract.latest.sha256
    assert f"/contracts/{contract.id}/revisions/{contract.latest.number}.pdf" in page
    response = client.post(url, data=sign_form(user, sha256))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/contracts/{contract.id}"


def stored() -> tuple[int, int]:
    """How many signatures and PDF revisions are stored."""
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ContractSignature)),
        db.session.scalar(sa.select(sa.func.count()).select_from(ContractRevision)),
    )


def upload(client, content: bytes, url: str = "/verify", name: str = "contract.pdf"):
    """Post the file as a browser would; the body is built here, in memory (werkzeug's test
    client spools a large one to a temporary file it never closes)."""
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(BytesIO(content), name, content_type=PDF)})
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_contract_goes_from_signing_to_published_through_the_pages(app, client, sign_in, deal):
    contract, w = deal.contract, deal.world
    url = f"/contracts/{contract.id}"

    sign_in(deal.union_chief)
    page = text(client.get(url))
    assert "awaiting signatures" in page and contract.verification_code in page
    assert f"{url}/sign" in page  # the chief is offered to sign
    lowest = contract.negotiation.agreed_grid.rows[0]
    assert format_yuan(lowest.base_fen + lowest.allowance_fen) in page  # the grid, in yuan
    sign_via_page(client, contract, deal.union_chief)
    assert contract.state == "signing"

    sign_in(deal.employer_chief)
    sign_via_page(client, contract, deal.employer_chief)
    assert contract.state == "signed"
    assert len(contract.revisions) == 3
    page = text(client.get(url))
    assert "File with the labour administration" in page and "days left" in page

    sign_in(w.employer[1])
    assert client.post(f"{url}/file").status_code == 302
    assert contract.state == "filed"

    sign_in(deal.officer)
    page = text(client.get(url))
    assert f'action="{url}/approve"' in page and f'action="{url}/object"' in page
    queue = text(client.get("/reviews"))
    assert contract.enterprise.name in queue and f'href="{url}"' in queue
    assert "days left" in queue
    assert client.post(f"{url}/approve").status_code == 302
    assert contract.state == "effective"
    assert contract.enterprise.name not in text(client.get("/reviews"))

    today = clock.today().isoformat()
    for rep in (w.union[1], w.employer[1]):
        sign_in(rep)
        assert f'action="{url}/publication"' in text(client.get(url))
        response = client.post(
            f"{url}/publication",
            data={"publish-published_on": today, "publish-method": "厂务公开栏"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    assert contract.state == "published"

    worker = w.delegates[0]
    sign_in(worker)
    enterprise_page = text(client.get(f"/enterprises/{contract.enterprise_id}"))
    assert f"{url}/contract.pdf" in enterprise_page
    download = client.get(f"{url}/contract.pdf")
    assert download.status_code == 200 and download.mimetype == PDF
    assert download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="contract-{contract.verification_code}.pdf"'
    )

    anonymous = app.test_client()
    anonymous.get("/verify?lang=en")
    report = text(upload(anonymous, download.data))
    assert "Valid." in report and "NOT valid" not in report
    assert deal.union_chief.full_name in report and deal.employer_chief.full_name in report
    assert contract.verification_code in report
    assert contract.enterprise.name in report
    assert f'href="{url}"' not in report  # an anonymous visitor gets no link to the contract


@pytest.fixture
def signing(client, sign_in, deal):
    """The union chief on the signing page."""
    sign_in(deal.union_chief)
    url = f"/contracts/{deal.contract.id}/sign"
    return url, shown_sha256(text(client.get(url)))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "wrong-password"}, "password", "The password is wrong."),
        ({"full_name": "别人"}, "full_name", "Type your full name exactly as it is on record"),
        ({"password": ""}, "password", "This field is required."),
    ],
)
def test_a_refused_signature_says_why_next_to_the_field_and_stores_nothing(
    client, deal, signing, changes, field, message
):
    url, sha256 = signing
    before = stored()
    page = text(client.post(url, data=sign_form(deal.union_chief, sha256, **changes)), 422)
    field_html = page[page.index(f'name="{field}"') :]
    assert message in field_html[: field_html.index("</div>")]
    assert stored() == before
    assert deal.contract.state == "drafted"


def test_a_stale_document_is_refused_with_the_current_hash(client, deal, signing):
    url, _sha256 = signing
    stale = "0" * 64
    before = stored()
    page = text(client.post(url, data=sign_form(deal.union_chief, stale)), 409)
    assert "The contract changed since you opened it" in page
    assert shown_sha256(page) == deal.contract.latest.sha256
    assert stored() == before


def test_only_a_chief_whose_side_has_not_signed_reaches_the_signing_page(client, sign_in, deal):
    contract, w = deal.contract, deal.world
    url = f"/contracts/{contract.id}/sign"
    sign_in(w.union[1])  # a union representative, not the chief
    assert client.get(url).status_code == 403
    assert client.post(url, data=sign_form(w.union[1], contract.latest.sha256)).status_code == 403
    sign_in(w.outsider)
    assert client.get(url).status_code == 404
    assert client.get(f"/contracts/{contract.id}").status_code == 404

    sign_in(deal.union_chief)
    sign_via_page(client, contract, deal.union_chief)
    before = stored()
    again = client.post(url, data=sign_form(deal.union_chief, contract.latest.sha256))
    assert "Your side has signed this contract already" in text(again, 409)
    assert client.get(url).status_code == 409
    assert stored() == before


def test_the_sixth_wrong_password_is_refused_for_a_while(app, client, deal, signing):
    url, sha256 = signing
    limit = int(app.config["SIGNING_RATE_LIMIT"].split()[0])
    wrong = sign_form(deal.union_chief, sha256, password="wrong-password")
    for _attempt in range(limit):
        assert client.post(url, data=wrong).status_code == 422
    response = client.post(url, data=sign_form(deal.union_chief, sha256))
    assert "Too many failed signing attempts" in text(response, 429)
    assert stored()[0] == 0


def test_the_page_and_the_api_share_one_budget_of_failed_attempts(
    app, client, deal, signing, api_token, monkeypatch
):
    """Failing on the page and then through the API does not give a person twice the tries."""
    monkeypatch.setitem(app.config, "SIGNING_RATE_LIMIT", "2 per minute")
    url, sha256 = signing
    assert (
        client.post(url, data=sign_form(deal.union_chief, sha256, password="x")).status_code == 422
    )
    api = f"/api/v1/contracts/{deal.contract.id}/sign"
    body = sign_form(deal.union_chief, sha256, password="wrong-password")
    headers = api_token(deal.union_chief)
    assert client.post(api, json=body, headers=headers).status_code == 422
    assert (
        client.post(api, json=sign_form(deal.union_chief, sha256), headers=headers).status_code
        == 429
    )
    assert "Too many failed signing attempts" in text(
        client.post(url, data=sign_form(deal.union_chief, sha256)), 429
    )
    assert stored()[0] == 0


def test_a_document_changed_after_signing_is_not_valid(app, client, deal):
    contract = deal.contract
    sign_both(contract, deal.union_chief, deal.employer_chief)
    signed = contract.latest.pdf
    client.get("/verify?lang=en")
    assert "Valid." in text(upload(client, signed))

    # One byte of the signed text changed: the signatures no longer match.
    position = signed.index(b"stream") + 40
    tampered = signed[:position] + bytes([signed[position] ^ 1]) + signed[position + 1 :]
    report = text(upload(client, tampered))
    assert "NOT valid." in report and "Valid." not in report
    # Something appended after the last signature.
    appended = text(upload(client, signed + b"\n% appended\n"))
    assert "NOT valid." in appended and "changed after it was signed" in appended


@pytest.mark.parametrize(
    ("content", "message", "status"),
    [
        (b"PK\x03\x04 not a pdf", "This file is not a PDF", 422),
        (b"", "The file is empty.", 422),
    ],
)
def test_verification_explains_an_unreadable_upload(client, db_session, content, message, status):
    client.get("/verify?lang=en")
    assert message in text(upload(client, content), status)


def test_the_public_form_carries_and_needs_its_csrf_token(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = text(client.get("/verify?lang=en"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert client.post("/verify", data={"file": (BytesIO(b"%PDF-"), "x.pdf")}).status_code == 400
    response = client.post("/verify", data={"csrf_token": token, "file": (BytesIO(b"x"), "x.pdf")})
    assert "This file is not a PDF" in text(response, 422)


def test_verification_without_a_file_asks_for_one(client, db_session):
    client.get("/verify?lang=en")
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert "Choose the PDF file to check." in text(response, 422)


def test_verification_refuses_a_file_over_the_limit(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_MAX_BYTES", 1024 * 1024)
    client.get("/verify?lang=en")
    page = text(upload(client, b"%PDF-1.7\n" + b"0" * 1024 * 1024), 413)
    assert "The file is too large (max 1 MB)." in page
    # Beyond the server's own limit the form is never read; the page still says why.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    page = text(upload(client, b"%PDF-1.7\n" + b"0" * 3 * 1024 * 1024), 413)
    assert "The file is too large (max 1 MB)." in page


def test_the_code_page_shows_the_contract_and_nothing_more(client, deal):
    contract = deal.contract
    sign_both(contract, deal.union_chief, deal.employer_chief)
    page = text(client.get(f"/verify/{contract.verification_code}?lang=en"))
    assert contract.enterprise.name in page and "signed" in page
    for revision in contract.revisions:
        assert revision.sha256[:8] in page
    for chief in (deal.union_chief, deal.employer_chief):
        assert chief.full_name in page
    assert 'type="file"' in page
    lowest = contract.negotiation.agreed_grid.rows[0]
    assert format_yuan(lowest.base_fen) not in page and lowest.grade not in page
    assert contract.negotiation.subject not in page

    unknown = client.get("/verify/ZZZZ-ZZZZ-ZZZZ?lang=en")
    assert "No contract has the verification code ZZZZ-ZZZZ-ZZZZ" in text(unknown, 404)


def test_the_unsigned_text_is_not_valid_on_the_codes_page(client, deal):
    contract = deal.contract
    sign_both(contract, deal.union_chief, deal.employer_chief)
    unsigned = contract.revisions[0].pdf
    page = text(upload(client, unsigned, f"/verify/{contract.verification_code}?lang=en"))
    assert "NOT valid." in page and "carries no signature" in page


@pytest.fixture
def filed(deal):
    sign_both(deal.contract, deal.union_chief, deal.employer_chief)
    ops.file_contract(deal.contract, deal.employer_chief)
    db.session.commit()
    return deal.contract


def test_an_objection_needs_an_opinion_and_reopens_the_talks(client, sign_in, deal, filed):
    url = f"/contracts/{filed.id}/object"
    sign_in(deal.officer)
    page = text(client.post(url, data={"object-opinion": "  "}), 422)
    assert "This field is required." in page
    assert filed.state == "filed"

    response = client.post(url, data={"object-opinion": "第三条与最低工资规定不符。"})
    assert response.status_code == 302
    assert filed.state == "returned"
    assert filed.negotiation.state == "negotiating"
    page = text(client.get(f"/contracts/{filed.id}"))
    assert "returned with an objection" in page and "第三条与最低工资规定不符。" in page


def test_a_chief_refuses_to_sign_with_a_reason(client, sign_in, deal):
    contract = deal.contract
    sign_in(deal.employer_chief)
    url = f"/contracts/{contract.id}/void"
    assert text(client.post(url, data={"void-reason": ""}), 422).count("This field is required.")
    assert client.post(url, data={"void-reason": "文本与协商结果不一致"}).status_code == 302
    assert contract.state == "void"
    assert contract.negotiation.state == "negotiating"


@pytest.mark.parametrize("who", ["member", "union_rep", "employer_chief"])
def test_the_officers_actions_are_refused_to_everyone_else(client, sign_in, deal, filed, who):
    user = {
        "member": deal.world.delegates[0],
        "union_rep": deal.world.union[1],
        "employer_chief": deal.employer_chief,
    }[who]
    sign_in(user)
    assert client.post(f"/contracts/{filed.id}/approve").status_code == 403
    assert client.get("/reviews").status_code == 403
    assert filed.state == "filed"


def test_renewal_opens_a_new_negotiation_in_the_last_three_months(
    client, sign_in, deal, filed, monkeypatch
):
    ops.approve(filed, deal.officer)
    db.session.commit()
    url = f"/contracts/{filed.id}"
    sign_in(deal.world.union[1])
    assert "Ask to renew the contract" not in text(client.get(url))
    assert client.post(f"{url}/renew").status_code == 409

    later = filed.renewal_opens_on + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: later)
    assert "Ask to renew the contract" in text(client.get(url))
    response = client.post(f"{url}/renew")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/negotiations/{filed.renewal_negotiation_id}"
    assert "Ask to renew the contract" not in text(client.get(url))

    sign_in(deal.world.delegates[0])
    assert client.post(f"{url}/renew").status_code == 403


def test_the_negotiation_links_to_its_contract(client, sign_in, deal):
    sign_in(deal.world.delegates[0])
    page = text(client.get(f"/negotiations/{deal.contract.negotiation_id}"))
    assert f'href="/contracts/{deal.contract.id}"' in page


def test_the_pdf_can_be_framed_by_this_site_only(client, sign_in, deal):
    sign_in(deal.union_chief)
    response = client.get(f"/contracts/{deal.contract.id}/revisions/0.pdf")
    assert response.status_code == 200 and response.mimetype == PDF
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert client.get(f"/contracts/{deal.contract.id}/revisions/7.pdf").status_code == 404
    page = client.get(f"/contracts/{deal.contract.id}")
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_navigation_offers_reviews_to_officers_and_verification_to_all(
    app, client, sign_in, deal
):
    sign_in(deal.officer)
    assert 'href="/reviews"' in text(client.get("/"))
    sign_in(deal.union_chief)
    home = text(client.get("/"))
    assert 'href="/reviews"' not in home and 'href="/verify"' in home
    assert 'href="/verify"' in text(app.test_client().get("/verify"))
