"""Holiday schedules entered from the State Council's notice, for years the package lacks.

The 2027 schedule below is made up for the tests (no notice was published when they were written).
"""

from datetime import date

import pytest

from workflows import calendar

HOLIDAYS_2027 = "2027-01-01..2027-01-03\n2027-02-06 至 2027-02-12\n2027-10-01~2027-10-07"
WORKDAYS_2027 = "2027-02-14\n2027-10-09"


@pytest.fixture
def admin(make):
    return make.admin(username="fed-admin")


def test_a_deadline_in_a_year_without_a_schedule_is_provisional():
    due = calendar.count(date(2026, 12, 20), 20)
    assert due.on == date(2027, 1, 11) and due.provisional_year == 2027


def test_the_admin_enters_a_year_and_deadlines_count_with_it(client, auth, admin):
    auth.login(admin)
    response = client.post(
        "/admin/calendar",
        data={
            "year": 2027,
            "holidays": HOLIDAYS_2027,
            "workdays": WORKDAYS_2027,
            "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
        },
    )
    assert response.status_code == 302
    # 20 days from 2026-12-20 is Saturday 2027-01-09 → Monday 2027-01-11
    assert calendar.deadline(date(2026, 12, 20), 20) == date(2027, 1, 11)
    # 2027-10-08 (Friday) after the National Day break; Saturday 10-09 is worked in exchange
    assert calendar.deadline(date(2027, 9, 29), 10) == date(2027, 10, 9)
    page = client.get("/admin/calendar?lang=en").get_data(as_text=True)
    assert "2027-02-14" in page and "测试数据" in page


def test_a_weekday_worked_in_exchange_is_refused_naming_the_day(client, auth, admin):
    auth.login(admin)
    response = client.post(
        "/admin/calendar?lang=en",
        data={"year": 2027, "holidays": HOLIDAYS_2027, "workdays": "2027-02-15", "source": "通知"},
    )
    assert response.status_code == 422
    assert "2027-02-15 is a weekday" in response.get_data(as_text=True)
    assert calendar.is_provisional(2027)  # nothing was entered


@pytest.mark.parametrize(
    ("year", "holidays", "words"),
    [
        (2026, ["2026-10-01"], "2026 is already known"),
        (2028, ["2028-10-01"], "enter 2027 first"),
        (2027, ["2027-10-01", "2026-12-31"], "2026-12-31 is not in 2027"),
    ],
)
def test_schedule_mistakes_are_named(client, make, api_token, year, holidays, words):
    headers = {**api_token(make.admin()), "Accept-Language": "en"}
    response = client.put(
        f"/api/v1/calendar/{year}", headers=headers, json={"holidays": holidays, "source": "通知"}
    )
    assert response.status_code == 422
    assert words in response.json["error"]["message"]


def test_a_malformed_date_is_422_naming_the_field(client, make, api_token):
    response = client.put(
        "/api/v1/calendar/2027",
        headers=api_token(make.admin()),
        json={"holidays": ["2027-13-01"], "source": "通知"},
    )
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"holidays.0": ["Not a valid date."]}


def test_the_api_reports_and_accepts_a_schedule(client, make, api_token):
    headers = api_token(make.admin())
    before = client.get("/api/v1/calendar", headers=headers).json
    assert before["covered_years"][1] == 2026 and before["schedules"] == []
    response = client.put(
        "/api/v1/calendar/2027",
        headers=headers,
        json={
            "holidays": ["2027-01-01", "2027-10-01"],
            "workdays": ["2027-10-09"],
            "source": "国务院办公厅通知（测试数据）",
        },
    )
    assert response.status_code == 200
    assert response.json["covered_years"] == [2004, 2027]
    assert response.json["schedules"][0]["workdays"] == ["2027-10-09"]


def test_only_the_federation_admin_enters_a_schedule(client, make, api_token):
    response = client.put(
        "/api/v1/calendar/2027",
        headers=api_token(make.user()),
        json={"holidays": ["2027-01-01"], "source": "x"},
    )
    assert response.status_code == 403


def test_parse_days_reads_days_and_ranges():
    days, problems = calendar.parse_days("2027-01-01..2027-01-03\n\n2027-05-01")
    assert problems == [] and len(days) == 4
    _days, problems = calendar.parse_days("2027-01-03..2027-01-01")
    assert "ends before it starts" in str(problems[0])
