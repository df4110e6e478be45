"""The contract JSON API: from the ratified draft to a published contract through the API only,
the review (approved, deemed approved, objected), renewal and expiry, the PDF and its
verification, and every refusal with its status and reason.

Signing happens at the real time (the signers' certificates are issued then); the clock is
pinned only after it, for filing, review and publication.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO

import pytest

from app import clock
from app.contracts import operations as ops
from app.extensions import db
from app.tick import run_tick
from tests.conftest import PASSWORD
from tests.contracts.conftest import sign_both
from tests.fixtures.api import error, ok

FILED_ON = date(2026, 7, 1)  # a Wednesday; the 15-day review ends on Thursday 16 July


@pytest.fixture
def on(monkeypatch):
    """on(day) pins the clock to 10:00 in Shanghai on that day."""

    def move(day: date) -> date:
        moment = datetime.combine(day, time(2), tzinfo=UTC)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return day

    return move


def sign_body(user, sha256: str, **changes) -> dict:
    return {"password": PASSWORD, "full_name": user.full_name, "document_sha256": sha256} | changes


def sign(api, user, contract_id: int):
    """Sign as a client would: read the contract, sign the latest revision's hash."""
    caller = api(user)
    latest = ok(caller.get(f"/contracts/{contract_id}"))["revisions"][-1]
    return caller.post(f"/contracts/{contract_id}/sign", sign_body(user, latest["sha256"]))


def upload(api, user, content: bytes, filename: str = "contract.pdf"):
    caller = api(user)
    return caller.client.post(
        "/api/v1/verify",
        data={"file": (BytesIO(content), filename)},
        headers=caller.headers,
        content_type="multipart/form-data",
    )


def advance(deal, state: str) -> None:
    """Move the deal's contract on to `state` with the operations, as earlier requests would."""
    contract = deal.contract
    if state in ("signed", "filed", "effective"):
        sign_both(contract, deal.union_chief, deal.employer_chief)
    if state in ("filed", "effective"):
        ops.file_contract(contract, deal.employer_chief, today=FILED_ON)
    if state == "effective":
        ops.approve(contract, deal.officer, today=FILED_ON)
    db.session.commit()


def grid_of(deal) -> list[tuple]:
    rows = deal.contract.negotiation.agreed_grid.rows
    return [(r.position, r.grade, r.base_fen + r.allowance_fen) for r in rows]


# --- the whole way through the API ----------------------------------------------------------------


def test_a_contract_is_signed_filed_approved_and_published_through_the_api(api, deal, on):
    contract_id, member = deal.contract.id, deal.world.delegates[0]
    path = f"/contracts/{contract_id}"
    union, employer = api(deal.union_chief), api(deal.employer_chief)
    officer = api(deal.officer)

    seen = ok(union.get(path))
    assert (seen["state"], seen["state_label"]) == ("drafted", "awaiting signatures")
    assert seen["allowed_actions"] == ["sign", "void"]
    assert [s["status"] for s in seen["steps"]] == ["current"] + ["todo"] * 6
    assert [r["number"] for r in seen["revisions"]] == [0]
    assert seen["revisions"][0]["download_url"] == f"/api/v1{path}/revisions/0/pdf"
    assert seen["verification_url"].endswith(f"/verify/{seen['verification_code']}")
    assert [(r["position"], r["grade"], r["total_fen"]) for r in seen["grid"]] == grid_of(deal)
    assert seen["negotiation"]["state"] == "ratified"
    assert seen["enterprise"] == {
        "id": deal.contract.enterprise_id,
        "name": deal.world.enterprise.name,
    }
    assert ok(api(member).get(path))["allowed_actions"] == []

    signature = ok(sign(api, deal.union_chief, contract_id), 201)
    assert (signature["side"], signature["revision"]) == ("union", 1)
    assert signature["signer"] == {"id": deal.union_chief.id, "full_name": "赵主席"}
    assert ok(union.get(path))["allowed_actions"] == ["void"]
    assert ok(employer.get(path))["state"] == "signing"
    ok(sign(api, deal.employer_chief, contract_id), 201)
    seen = ok(employer.get(path))
    assert (seen["state"], seen["allowed_actions"]) == ("signed", ["file"])
    assert [(s["side"], s["revision"]) for s in seen["signatures"]] == [
        ("union", 1),
        ("employer", 2),
    ]
    assert [r["number"] for r in seen["revisions"]] == [0, 1, 2]
    assert seen["filing_due"] is not None

    on(FILED_ON)
    filed = ok(employer.post(f"{path}/file"))
    assert (filed["state"], filed["filed_on"], filed["review_due"]) == (
        "filed",
        "2026-07-01",
        "2026-07-16",
    )
    assert [c["id"] for c in ok(officer.get("/reviews"))] == [contract_id]
    assert ok(officer.get(path))["allowed_actions"] == ["approve", "object"]
    approved = ok(officer.post(f"{path}/approve"))
    assert (approved["state"], approved["decision"], approved["decided_on"]) == (
        "effective",
        "approved",
        "2026-07-01",
    )
    assert (approved["effective_on"], approved["ends_on"]) == ("2026-07-01", "2028-06-30")
    assert approved["publication_due"] is not None
    assert ok(officer.get("/reviews")) == []

    on(date(2026, 7, 3))
    body = {"published_on": "2026-07-02", "method": "厂务公开栏"}
    ok(union.post(f"{path}/publication", body), 201)
    assert ok(union.get(path))["state"] == "effective"
    assert ok(union.get(path))["allowed_actions"] == []
    body = {"published_on": "2026-07-03", "method": "企业内网"}
    recorded = ok(employer.post(f"{path}/publication", body), 201)
    assert recorded == {"side": "employer", "published_on": "2026-07-03", "method": "企业内网"}

    seen = ok(api(member).get(path))
    assert seen["state"] == "published"
    assert [p["side"] for p in seen["publications"]] == ["union", "employer"]
    assert [s["status"] for s in seen["steps"]] == ["done"] * 5 + ["current", "todo"]

    download = api(member).get(f"{path}/pdf")
    assert (download.status_code, download.mimetype) == (200, "application/pdf")
    assert hashlib.sha256(download.data).hexdigest() == seen["revisions"][-1]["sha256"]
    report = ok(upload(api, member, download.data))
    assert (report["valid"], report["modified_after_signing"], report["problems"]) == (
        True,
        False,
        [],
    )
    assert [
        (s["side"], s["signer_name"], s["intact"], s["trusted"], s["valid"])
        for s in report["signatures"]
    ] == [("union", "赵主席", True, True, True), ("employer", "钱总", True, True, True)]
    assert report["sha256"] == seen["revisions"][-1]["sha256"]
    assert report["original_sha256"] == seen["revisions"][0]["sha256"]
    found = report["contract"]
    assert (found["id"], found["verification_code"], found["state"]) == (
        contract_id,
        seen["verification_code"],
        "published",
    )
    assert found["enterprise_name"] == deal.world.enterprise.name


def test_revisions_lists_and_the_verification_code(api, deal, make):
    advance(deal, "signed")
    contract, member = deal.contract, deal.world.delegates[0]
    caller = api(member)
    path = f"/contracts/{contract.id}"

    first = caller.get(f"{path}/revisions/0/pdf")
    assert first.status_code == 200 and first.data == contract.revisions[0].pdf
    assert "attachment" in first.headers["Content-Disposition"]
    assert caller.get(f"{path}/pdf").data == contract.revisions[2].pdf
    assert "no revision 3" in error(caller.get(f"{path}/revisions/3/pdf"), 404)["message"]

    listed = ok(caller.get(f"/negotiations/{contract.negotiation_id}/contracts"))
    assert [(c["id"], c["state"]) for c in listed] == [(contract.id, "signed")]
    listed = ok(caller.get(f"/enterprises/{contract.enterprise_id}/contracts"))
    assert [c["verification_code"] for c in listed] == [contract.verification_code]
    error(api(deal.world.outsider).get(f"/enterprises/{contract.enterprise_id}/contracts"), 404)
    error(api(deal.world.outsider).get(path), 404)

    by_code = ok(caller.get(f"/verify/{contract.verification_code.lower()}"))
    assert (by_code["id"], by_code["state"]) == (contract.id, "signed")
    assert [r["sha256"] for r in by_code["revisions"]] == [r.sha256 for r in contract.revisions]
    assert [(s["side"], s["signer_name"]) for s in by_code["signatures"]] == [
        ("union", "赵主席"),
        ("employer", "钱总"),
    ]
    # Anyone holding the paper may check it; the id only for who may see the enterprise.
    stranger = ok(api(deal.world.outsider).get(f"/verify/{contract.verification_code}"))
    assert (stranger["id"], stranger["enterprise_name"]) == (None, contract.enterprise.name)
    assert "ZZZZ" in error(caller.get("/verify/ZZZZ-ZZZZ-ZZZZ"), 404)["message"]

    unsigned = ok(upload(api, deal.world.outsider, first.data))
    assert (unsigned["valid"], unsigned["signatures"]) == (False, [])
    assert unsigned["problems"] == ["The document carries no signature."]
    # The reasons are the page's, in the caller's language.
    caller = api(deal.world.outsider)
    in_chinese = caller.client.post(
        "/api/v1/verify",
        data={"file": (BytesIO(first.data), "contract.pdf")},
        headers=caller.headers | {"Accept-Language": "zh"},
        content_type="multipart/form-data",
    )
    assert ok(in_chinese)["problems"] == ["该文件没有任何签名。"]
    assert unsigned["contract"]["id"] is None
    assert unsigned["contract"]["verification_code"] == contract.verification_code


# --- the review ---------------------------------------------------------------------------------


def test_without_an_objection_it_takes_effect_the_day_after_the_review_period(api, deal, on):
    advance(deal, "signed")
    on(FILED_ON)
    path = f"/contracts/{deal.contract.id}"
    filed = ok(api(deal.employer_chief).post(f"{path}/file"))
    review_due = date.fromisoformat(filed["review_due"])

    run_tick(review_due)
    db.session.commit()
    assert ok(api(deal.union_chief).get(path))["state"] == "filed"

    run_tick(review_due + timedelta(days=1))
    db.session.commit()
    seen = ok(api(deal.union_chief).get(path))
    assert (seen["state"], seen["decision"]) == ("effective", "deemed_approved")
    assert seen["effective_on"] == seen["decided_on"] == str(review_due + timedelta(days=1))


def test_an_objection_returns_the_contract_and_the_talks_reopen(api, deal, on):
    advance(deal, "filed")
    on(date(2026, 7, 3))
    path = f"/contracts/{deal.contract.id}"
    returned = ok(api(deal.officer).post(f"{path}/object", {"opinion": "第三级工资低于相邻级"}))
    assert (returned["state"], returned["decision"], returned["decided_on"]) == (
        "returned",
        "objected",
        "2026-07-03",
    )
    assert returned["opinion"] == "第三级工资低于相邻级"
    assert returned["negotiation"]["state"] == "negotiating"
    assert [(s["state"], s["status"]) for s in returned["steps"]] == [
        ("drafted", "done"),
        ("signing", "done"),
        ("signed", "done"),
        ("filed", "done"),
        ("returned", "off"),
    ]
    negotiation = ok(api(deal.union_chief).get(f"/negotiations/{deal.contract.negotiation_id}"))
    assert negotiation["state"] == "negotiating"


def test_a_chief_who_refuses_to_sign_voids_it(api, deal):
    path = f"/contracts/{deal.contract.id}"
    void = ok(api(deal.employer_chief).post(f"{path}/void", {"reason": "工资表有误"}))
    assert (void["state"], void["void_reason"], void["allowed_actions"]) == (
        "void",
        "工资表有误",
        [],
    )
    assert [(s["state"], s["status"]) for s in void["steps"]] == [
        ("drafted", "done"),
        ("void", "off"),
    ]
    assert void["negotiation"]["state"] == "negotiating"


# --- renewal and expiry -------------------------------------------------------------------------


def test_renewal_opens_three_months_before_the_end_with_a_linked_negotiation(api, deal, on):
    advance(deal, "effective")  # 1 July 2026 to 30 June 2028
    path = f"/contracts/{deal.contract.id}"
    union, employer = api(deal.union_chief), api(deal.employer_chief)
    assert ok(union.get(path))["renewal_opens_on"] == "2028-03-30"

    on(date(2028, 3, 29))
    assert "from 2028-03-30" in error(union.post(f"{path}/renew"), 409)["message"]

    on(date(2028, 3, 30))
    renewal = ok(union.post(f"{path}/renew"), 201)
    assert renewal["state"] == "draft"
    assert deal.contract.negotiation.subject in renewal["subject"]
    assert ok(union.get(path))["renewal_negotiation_id"] == renewal["id"]
    assert ok(employer.get(f"/negotiations/{renewal['id']}"))["term_years"] == 2
    assert "under way already" in error(employer.post(f"{path}/renew"), 409)["message"]


def test_the_tick_after_the_last_day_of_the_term_expires_it(api, deal):
    advance(deal, "effective")
    path = f"/contracts/{deal.contract.id}"
    ends_on = deal.contract.ends_on

    run_tick(ends_on)
    db.session.commit()
    assert ok(api(deal.union_chief).get(path))["state"] == "effective"

    run_tick(ends_on + timedelta(days=1))
    db.session.commit()
    seen = ok(api(deal.union_chief).get(path))
    assert (seen["state"], seen["expired_on"]) == ("expired", str(ends_on + timedelta(days=1)))
    assert [s["status"] for s in seen["steps"]] == ["done"] * 6 + ["current"]
    assert "in force" in error(api(deal.union_chief).post(f"{path}/renew"), 409)["message"]


# --- refusals -------------------------------------------------------------------------------------


def people(deal, make) -> dict:
    return {
        "union chief": deal.union_chief,
        "employer chief": deal.employer_chief,
        "union rep": deal.world.union[1],
        "delegate": deal.world.delegates[0],
        "officer": deal.officer,
        "outsider": deal.world.outsider,
        "officer elsewhere": make.user(global_role="labour_officer", region=make.region()),
    }


PUBLISHED = {"published_on": "2026-07-02", "method": "厂务公开栏"}

# By the contract's state: who tries what, with which body, and the answer. None of them changes
# anything, so each state's refusals share one contract.
REFUSALS = {
    "drafted": [
        ("outsider", "sign", {}, 404, "does not exist"),
        ("union rep", "sign", {}, 403, "You may not sign the contract"),
        # not filed with the labour officer: not theirs to see (README, "Security model")
        ("officer", "sign", {}, 404, "does not exist"),
        ("union chief", "sign", {"password": "guess"}, 422, "password is wrong"),
        ("union chief", "sign", {"full_name": "赵"}, 422, "full name exactly"),
        ("union chief", "sign", {"document_sha256": "0" * 64}, 409, "changed since"),
        ("union chief", "sign", {"document_sha256": "abc"}, 422, "64 hexadecimal digits"),
        ("union chief", "sign", {"password": None}, 422, "password"),
        ("delegate", "void", {"reason": "不签"}, 403, "You may not refuse"),
        ("union chief", "void", {"reason": "  "}, 422, "cannot be left blank"),
        ("employer chief", "file", None, 409, "while the contract is awaiting signatures"),
        ("union chief", "renew", None, 409, "Only a contract in force"),
    ],
    "signed": [
        ("union chief", "sign", {}, 409, "signed this contract already"),
        ("union chief", "void", {"reason": "不签"}, 409, "while the contract is signed"),
        ("union chief", "file", None, 403, "You may not file"),
        ("officer", "approve", None, 404, "does not exist"),
        ("union chief", "publication", PUBLISHED, 409, "cannot record the publication"),
    ],
    "filed": [
        ("employer chief", "approve", None, 403, "You may not approve"),
        ("officer elsewhere", "approve", None, 404, "does not exist"),
        ("officer", "object", {}, 422, "opinion"),
        ("officer", "object", {"opinion": " "}, 422, "cannot be left blank"),
    ],
    "effective": [
        ("delegate", "publication", PUBLISHED, 403, "You may not record the publication"),
        (
            "union chief",
            "publication",
            PUBLISHED | {"published_on": "2026-06-30"},
            422,
            "published_on",
        ),
        ("union chief", "publication", {"published_on": "2026-07-02"}, 422, "method"),
        (
            "union chief",
            "publication",
            PUBLISHED | {"side": "employer"},
            403,
            "Only a representative",
        ),
        ("delegate", "renew", None, 403, "asks to renew"),
    ],
}


@pytest.mark.parametrize("state", list(REFUSALS))
def test_refused_actions_say_why_and_change_nothing(api, deal, make, on, state):
    advance(deal, state)
    on(date(2026, 7, 2))
    contract, users = deal.contract, people(deal, make)
    before = snapshot(contract)
    for who, action, body, status, words in REFUSALS[state]:
        user = users[who]
        if action == "sign":
            body = sign_body(user, contract.latest.sha256) | body
        response = api(user).post(f"/contracts/{contract.id}/{action}", body)
        case = (who, action, body, response.get_data(as_text=True))
        assert response.status_code == status, case
        refused = response.json["error"]
        assert set(refused) == {"code", "message", "details"}, case
        assert words in refused["message"] + str(refused["details"]), case
        assert snapshot(contract) == before, case


def snapshot(contract) -> tuple:
    db.session.expire_all()
    return (
        contract.state,
        contract.negotiation.state,
        len(contract.revisions),
        len(contract.signatures),
        len(contract.publications),
        contract.renewal_negotiation_id,
    )


def test_signing_attempts_that_fail_are_limited_per_person(api, api_token, app, deal, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_RATE_LIMIT", "2 per minute")
    contract, chief = deal.contract, deal.union_chief
    path = f"/contracts/{contract.id}/sign"
    good = sign_body(chief, contract.latest.sha256)

    error(api(chief).post(path, good | {"password": "guess"}), 422)
    error(api(chief).post(path, good | {"document_sha256": "0" * 64}), 409)  # not counted
    error(api(chief).post(path, good | {"full_name": "赵"}), 422)
    limited = error(api(chief).post(path, good), 429)
    assert (limited["code"], limited["details"]) == ("rate_limited", {})
    assert "Too many failed signing attempts" in limited["message"]
    # Another token is the same person; another person has their own attempts.
    headers = api_token(chief) | {"Accept-Language": "en"}
    assert api(chief).client.post(f"/api/v1{path}", json=good, headers=headers).status_code == 429
    assert contract.signatures == []
    employer = deal.employer_chief
    ok(api(employer).post(path, sign_body(employer, contract.latest.sha256)), 201)


def test_the_review_queue_is_for_labour_officers(api, deal, make):
    advance(deal, "filed")
    assert "labour officer" in error(api(deal.union_chief).get("/reviews"), 403)["message"]
    elsewhere = make.user(global_role="labour_officer", region=make.region())
    assert ok(api(elsewhere).get("/reviews")) == []
    admin = make.user(global_role="federation_admin")
    assert [c["id"] for c in ok(api(admin).get("/reviews"))] == [deal.contract.id]


def test_verification_refuses_what_it_cannot_read(api, app, deal, monkeypatch):
    member = deal.world.delegates[0]
    details = error(upload(api, member, b"not a pdf at all", "notes.txt"), 422)["details"]
    assert details == {"file": ["The file is not a PDF, or the PDF is damaged or encrypted."]}
    details = error(upload(api, member, b""), 422)["details"]
    assert details == {"file": ["The file is empty."]}
    caller = api(member)
    missing = caller.client.post(
        "/api/v1/verify", data={}, headers=caller.headers, content_type="multipart/form-data"
    )
    assert "file" in error(missing, 422)["details"]

    monkeypatch.setitem(app.config, "VERIFY_MAX_BYTES", 1024)
    too_large = error(upload(api, member, deal.contract.latest.pdf), 413)
    assert too_large["code"] == "too_large"
    assert too_large["details"] == {
        "file": ["The file is larger than 1 KB; a contract is far smaller."]
    }


def test_the_openapi_document_describes_every_contract_endpoint(app, client):
    spec = client.get("/api/v1/openapi.json").json
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api_contracts.")]
    assert len(rules) == 15
    for rule in rules:
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            responses = spec["paths"][path][method.lower()]["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success and all(responses[code]["content"] for code in success), path
    pdf = spec["paths"]["/api/v1/contracts/{contract_id}/pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    verify = spec["paths"]["/api/v1/verify"]["post"]
    assert "multipart/form-data" in verify["requestBody"]["content"]
    assert {"413", "422"} <= set(verify["responses"])
    sign = spec["paths"]["/api/v1/contracts/{contract_id}/sign"]["post"]["responses"]
    assert {"403", "404", "409", "422", "429"} <= set(sign)
    contract = spec["components"]["schemas"]["Contract"]["properties"]
    assert {"steps", "signatures", "publications", "revisions", "grid", "allowed_actions"} <= set(
        contract
    )
