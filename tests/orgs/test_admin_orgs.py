"""Regions, wage guidelines and enterprises: the federation administrator's pages and API, and
who sees which enterprise (DESIGN §5)."""

import re
from dataclasses import asdict

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.operations import action_label
from app.extensions import db
from app.orgs.models import Enterprise, Region
from workflows.credit_code import check_character
from workflows.rules import WORKING_DAYS, RuleProfile

TENCENT = "91440300708461136T"  # a published, valid code


def region_form(**overrides) -> dict:
    data = {
        "code": "wuxi-xinwu",
        "name": "无锡市新吴区",
        "minimum_wage": "2490.00",
        "minimum_wage_note": "苏政发〔2025〕1号",
        **asdict(RuleProfile()),
    }
    data.update(overrides)
    return {key: str(value) for key, value in data.items()}


def enterprise_form(region, **overrides) -> dict:
    data = {
        "name": "深圳示例计算机系统有限公司",
        "credit_code": TENCENT,
        "region_id": region.id,
        "industry": "软件和信息技术服务业",
        "headcount": 1200,
        "address": "深圳市南山区",
        "legal_representative": "马某",
        **overrides,
    }
    return {key: str(value) for key, value in data.items()}


def enterprise_json(region, **overrides) -> dict:
    return {
        "name": "深圳示例计算机系统有限公司",
        "credit_code": TENCENT,
        "region_id": region.id,
        "industry": "软件和信息技术服务业",
        "headcount": 1200,
        **overrides,
    }


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page)
    assert match, f"no field {name}"
    return match.group(0)


def assert_error_format(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


@pytest.fixture
def admin(make):
    return make.admin(full_name="总工会管理员", locale="en")


@pytest.fixture
def as_admin(admin, login_as):
    login_as(admin)
    return admin


# --- regions on the web -----------------------------------------------------------------------


def test_the_new_region_form_offers_the_national_defaults(client, as_admin):
    page = client.get("/admin/regions/new").get_data(as_text=True)
    for name, value in asdict(RuleProfile()).items():
        if name == "day_counting":
            assert re.search(
                r'<option[^>]*selected[^>]*value="calendar"|'
                r'<option[^>]*value="calendar"[^>]*selected',
                page,
            )
        else:
            assert f'value="{value}"' in input_tag(page, name), name


def test_the_admin_creates_a_region_with_the_national_rules(client, as_admin):
    response = client.post("/admin/regions/new", data=region_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    region = db.session.scalar(select(Region).where(Region.code == "wuxi-xinwu"))
    assert response.headers["Location"].endswith(f"/admin/regions/{region.id}")
    assert (region.name, region.minimum_wage_fen, region.minimum_wage_note) == (
        "无锡市新吴区",
        249000,
        "苏政发〔2025〕1号",
    )
    assert region.rule_profile == RuleProfile()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "无锡市新吴区" in page


def test_a_region_may_count_working_days(client, as_admin):
    response = client.post(
        "/admin/regions/new",
        data=region_form(
            code="zhejiang", name="浙江省", response_days=10, day_counting=WORKING_DAYS
        ),
    )
    assert response.status_code == 302
    region = db.session.scalar(select(Region).where(Region.code == "zhejiang"))
    assert (region.response_days, region.day_counting) == (10, WORKING_DAYS)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"minimum_wage": "0"}, "minimum_wage"),
        ({"response_days": "0"}, "response_days"),
        ({"quorum_numerator": "4", "quorum_denominator": "3"}, "quorum_numerator"),
        ({"majority_numerator": "2", "majority_denominator": "2"}, "majority_numerator"),
    ],
)
def test_a_bad_region_is_refused_and_the_field_is_marked(client, as_admin, overrides, field):
    response = client.post("/admin/regions/new", data=region_form(**overrides))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in input_tag(response.get_data(as_text=True), field)
    assert db.session.scalar(select(Region).where(Region.code == "wuxi-xinwu")) is None


def test_a_region_code_is_unique(client, as_admin, make):
    make.region(code="wuxi-xinwu")
    response = client.post("/admin/regions/new", data=region_form())
    assert response.status_code == 422
    assert "A region with code wuxi-xinwu exists already." in response.get_data(as_text=True)


# --- enterprises on the web -------------------------------------------------------------------


def test_the_admin_creates_an_enterprise(client, as_admin, make):
    region = make.region()
    response = client.post("/admin/enterprises/new", data=enterprise_form(region))
    assert response.status_code == 302, response.get_data(as_text=True)
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == TENCENT))
    assert (enterprise.name, enterprise.region_id, enterprise.headcount) == (
        "深圳示例计算机系统有限公司",
        region.id,
        1200,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with force_locale("en"):
        assert f"{action_label('enterprise_created')} — 总工会管理员" in page


def test_a_lower_case_credit_code_is_stored_upper_case(client, as_admin, make):
    region = make.region()
    response = client.post(
        "/admin/enterprises/new", data=enterprise_form(region, credit_code=f" {TENCENT.lower()} ")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Enterprise.credit_code)) == TENCENT


def test_a_wrong_check_character_is_refused_naming_the_expected_one(client, as_admin, make):
    region = make.region()
    response = client.post(
        "/admin/enterprises/new", data=enterprise_form(region, credit_code=TENCENT[:17] + "A")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in input_tag(page, "credit_code")
    assert "Unified social credit code" in page
    assert "the check character is A but should be T" in page
    assert db.session.scalar(select(Enterprise)) is None


def test_a_duplicate_credit_code_names_the_other_enterprise(client, as_admin, make):
    region = make.region()
    make.enterprise(region, name="先来有限公司", credit_code=TENCENT)
    response = client.post("/admin/enterprises/new", data=enterprise_form(region))
    assert response.status_code == 422
    assert "先来有限公司" in response.get_data(as_text=True)


# --- regions, guidelines and enterprises through the API --------------------------------------


def test_the_api_creates_an_enterprise(client, admin, make, api_token):
    region = make.region()
    response = client.post(
        "/api/v1/enterprises", json=enterprise_json(region), headers=api_token(admin)
    )
    assert response.status_code == 201, response.json
    assert response.json["credit_code"] == TENCENT
    assert (
        client.get(f"/api/v1/enterprises/{response.json['id']}", headers=api_token(admin)).json[
            "name"
        ]
        == "深圳示例计算机系统有限公司"
    )


def test_the_api_refuses_a_bad_credit_code_with_details(client, admin, make, api_token):
    region = make.region()
    response = client.post(
        "/api/v1/enterprises",
        json=enterprise_json(region, credit_code=TENCENT[:17] + "0"),
        headers=api_token(admin) | {"Accept-Language": "en"},
    )
    error = assert_error_format(response, 422, "invalid")
    assert list(error["details"]) == ["credit_code"]
    assert "should be T" in error["details"]["credit_code"][0]


@pytest.mark.parametrize("body", ['{"name": "x",', "not json at all", '{"name": }'])
def test_malformed_json_is_a_400_in_the_error_format(client, admin, api_token, body):
    response = client.post(
        "/api/v1/enterprises",
        data=body,
        headers={**api_token(admin), "Content-Type": "application/json"},
    )
    assert_error_format(response, 400, "bad_request")


def test_a_missing_field_is_named(client, admin, make, api_token):
    body = enterprise_json(make.region())
    del body["industry"]
    response = client.post("/api/v1/enterprises", json=body, headers=api_token(admin))
    error = assert_error_format(response, 422, "invalid")
    assert "industry" in error["details"]


def test_an_unknown_region_is_refused(client, admin, make, api_token):
    region = make.region()
    response = client.post(
        "/api/v1/enterprises",
        json=enterprise_json(region, region_id=999999),
        headers=api_token(admin),
    )
    error = assert_error_format(response, 422, "invalid")
    assert "region_id" in error["details"]


def test_the_api_changes_a_regions_response_period_and_day_counting(client, admin, make, api_token):
    region = make.region()
    response = client.patch(
        f"/api/v1/regions/{region.id}",
        json={"response_days": 10, "day_counting": WORKING_DAYS},
        headers=api_token(admin),
    )
    assert response.status_code == 200, response.json
    assert (response.json["response_days"], response.json["day_counting"]) == (10, WORKING_DAYS)
    db.session.expire_all()
    assert region.rule_profile == RuleProfile(response_days=10, day_counting=WORKING_DAYS)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day_counting": "lunar"}, "day_counting"),
        ({"response_days": 0}, "response_days"),
        ({"quorum_numerator": 5, "quorum_denominator": 4}, "quorum_numerator"),
        ({"code": "renamed"}, "code"),
    ],
)
def test_a_bad_region_change_is_refused_naming_the_field(
    client, admin, make, api_token, body, field
):
    region = make.region()
    response = client.patch(f"/api/v1/regions/{region.id}", json=body, headers=api_token(admin))
    error = assert_error_format(response, 422, "invalid")
    assert field in error["details"]
    db.session.expire_all()
    assert region.rule_profile == RuleProfile()


def test_the_api_sets_a_wage_guideline(client, admin, make, api_token):
    region = make.region()
    headers = api_token(admin)
    body = {"year": 2025, "lower_bp": 300, "base_bp": 500, "upper_bp": 700}
    response = client.put(
        f"/api/v1/regions/{region.id}/guidelines/2025", json=body, headers=headers
    )
    assert response.status_code == 200, response.json
    assert response.json == body
    body["upper_bp"] = 800  # setting it again replaces the band
    client.put(f"/api/v1/regions/{region.id}/guidelines/2025", json=body, headers=headers)
    listed = client.get(f"/api/v1/regions/{region.id}", headers=headers).json["guidelines"]
    assert listed == [body]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2025, "lower_bp": 500, "base_bp": 300, "upper_bp": 700}, "base"),
        ({"year": 2025, "lower_bp": 300, "base_bp": 800, "upper_bp": 700}, "base"),
        ({"year": 2024, "lower_bp": 300, "base_bp": 500, "upper_bp": 700}, "year"),
    ],
)
def test_a_guideline_out_of_order_is_refused(client, admin, make, api_token, body, field):
    region = make.region()
    response = client.put(
        f"/api/v1/regions/{region.id}/guidelines/2025", json=body, headers=api_token(admin)
    )
    error = assert_error_format(response, 422, "invalid")
    assert field in error["details"]
    db.session.expire_all()
    assert region.guidelines == []


# --- who may administer, who sees what --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/regions"),
        ("get", "/admin/regions/new"),
        ("post", "/admin/regions/new"),
        ("get", "/admin/regions/{region}"),
        ("get", "/admin/enterprises"),
        ("get", "/admin/enterprises/new"),
        ("post", "/admin/enterprises/new"),
        ("get", "/admin/enterprises/{enterprise}"),
        ("get", "/admin/users/"),
    ],
)
@pytest.mark.parametrize("who", ["member", "officer"])
def test_only_the_federation_admin_reaches_the_admin_pages(
    client, make, login_as, method, path, who
):
    enterprise = make.enterprise()
    user = (
        make.user(roles=["union_rep"], enterprise=enterprise)
        if who == "member"
        else make.user(global_role="labour_officer", region=enterprise.region)
    )
    login_as(user)
    url = path.format(region=enterprise.region_id, enterprise=enterprise.id)
    response = getattr(client, method)(url, data=region_form() if method == "post" else None)
    assert response.status_code == 403
    assert db.session.scalar(select(Region).where(Region.code == "wuxi-xinwu")) is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/regions", {"code": "x", "name": "x", "minimum_wage_fen": 1}),
        ("patch", "/api/v1/regions/{region}", {"response_days": 10}),
        (
            "put",
            "/api/v1/regions/{region}/guidelines/2025",
            {"year": 2025, "lower_bp": 1, "base_bp": 2, "upper_bp": 3},
        ),
        ("post", "/api/v1/enterprises", None),
    ],
)
def test_only_the_federation_admin_changes_regions_through_the_api(
    client, make, api_token, method, path, body
):
    enterprise = make.enterprise()
    officer = make.user(global_role="labour_officer", region=enterprise.region)
    body = body or enterprise_json(enterprise.region)
    response = getattr(client, method)(
        path.format(region=enterprise.region_id), json=body, headers=api_token(officer)
    )
    assert_error_format(response, 403, "forbidden")


@pytest.fixture
def two_regions(make):
    here, there = make.region(name="新吴区"), make.region(name="梁溪区")
    return {
        "here": here,
        "there": there,
        "mine": make.enterprise(here, name="甲公司"),
        "neighbour": make.enterprise(here, name="乙公司"),
        "elsewhere": make.enterprise(there, name="丙公司"),
    }


def home_names(client) -> set[str]:
    page = client.get("/").get_data(as_text=True)
    return {name for name in ("甲公司", "乙公司", "丙公司") if name in page}


def test_a_labour_officer_sees_the_enterprises_of_their_region(client, make, login_as, two_regions):
    officer = make.user(global_role="labour_officer", region=two_regions["here"])
    login_as(officer)
    assert home_names(client) == {"甲公司", "乙公司"}
    assert client.get(f"/enterprises/{two_regions['mine'].id}").status_code == 200
    assert client.get(f"/enterprises/{two_regions['elsewhere'].id}").status_code == 404


def test_a_labour_officer_lists_only_their_region_in_the_api(client, make, api_token, two_regions):
    officer = make.user(global_role="labour_officer", region=two_regions["here"])
    headers = api_token(officer)
    listed = client.get("/api/v1/enterprises", headers=headers).json
    assert sorted(e["name"] for e in listed) == ["乙公司", "甲公司"]
    response = client.get(f"/api/v1/enterprises/{two_regions['elsewhere'].id}", headers=headers)
    assert_error_format(response, 404, "not_found")


def test_a_member_sees_only_their_enterprise(client, make, login_as, api_token, two_regions):
    member = make.user(roles=["delegate"], enterprise=two_regions["mine"])
    login_as(member)
    assert home_names(client) == {"甲公司"}
    assert client.get(f"/enterprises/{two_regions['mine'].id}").status_code == 200
    for other in ("neighbour", "elsewhere"):
        assert client.get(f"/enterprises/{two_regions[other].id}").status_code == 404
    listed = client.get("/api/v1/enterprises", headers=api_token(member)).json
    assert [e["name"] for e in listed] == ["甲公司"]


def test_the_federation_admin_sees_every_enterprise(client, admin, login_as, two_regions):
    login_as(admin)
    assert home_names(client) == {"甲公司", "乙公司", "丙公司"}


def test_a_credit_code_built_for_the_test_is_accepted_by_the_api(client, admin, make, api_token):
    first17 = "91320214MA1X0Y000"
    response = client.post(
        "/api/v1/enterprises",
        json=enterprise_json(make.region(), credit_code=first17 + check_character(first17)),
        headers=api_token(admin),
    )
    assert response.status_code == 201, response.json
