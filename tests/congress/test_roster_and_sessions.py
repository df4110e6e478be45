"""The roster (职工代表名单) from .xlsx and .csv, all or nothing; sessions, check-in (签到) with
the code or by the secretary, the QR code and the venue screen; who may do what."""

import csv
import io
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.operations import history
from app.auth import operations as auth_operations
from app.congress import operations as ops
from app.congress.models import Delegate
from app.extensions import db
from tests.fixtures.congress import TOTAL, check_in

HEADERS_ZH = ["工号", "姓名", "用户名", "选区", "管理人员", "性别"]
HEADERS_EN = ["employee_no", "name", "username", "constituency", "is_manager", "gender"]


def xlsx(rows, headers=HEADERS_ZH) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS_EN, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def organised(make):
    """An enterprise with a secretary, a congress without delegates, and members to enrol."""
    enterprise = make.enterprise()
    secretary = make.user("secretary", roles=["congress_secretary"], enterprise=enterprise)
    members = [
        make.user(f"worker{i}", roles=["union_rep"], enterprise=enterprise) for i in range(5)
    ]
    congress = ops.create_congress(
        enterprise, secretary, "第三届职工代表大会", date(2025, 1, 1), date(2029, 12, 31)
    )
    db.session.commit()
    return enterprise, secretary, members, congress


def roster_rows(members, managers=0):
    return [
        [
            f"E{i:03d}",
            f"工人{i}",
            m.username,
            "一车间",
            "是" if i < managers else "否",
            "男女"[i % 2],
        ]
        for i, m in enumerate(members)
    ]


def delegate_count(congress) -> int:
    return db.session.scalar(
        select(func.count(Delegate.id)).where(Delegate.congress_id == congress.id)
    )


def upload(client, congress, data: bytes, filename: str, headers=None):
    prefix = "/api/v1" if headers else ""
    return client.post(
        f"{prefix}/congresses/{congress.id}/roster",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={**headers, "Accept-Language": "en"} if headers else {},
    )


def test_an_xlsx_roster_imports_everyone(client, login_as, organised):
    enterprise, secretary, members, congress = organised
    login_as(secretary)
    client.get("/?lang=en")  # the flash is written in the session's language
    response = upload(client, congress, xlsx(roster_rows(members, managers=1)), "名单.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 delegates imported." in page
    assert delegate_count(congress) == 5
    assert all(m.has_role(enterprise.id, "delegate") for m in members)
    first = db.session.scalar(select(Delegate).where(Delegate.employee_no == "E000"))
    assert (first.is_manager, first.gender, first.constituency) == (True, "male", "一车间")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_roster_imports_everyone_through_the_api(client, organised, api_token, encoding):
    _enterprise, secretary, members, congress = organised
    data = csv_bytes(roster_rows(members), headers=HEADERS_ZH, encoding=encoding)
    response = upload(client, congress, data, "roster.csv", api_token(secretary))
    assert response.status_code == 201, response.json
    assert response.json["imported"] == 5
    assert delegate_count(congress) == 5


def test_a_roster_with_two_bad_rows_imports_nothing_and_names_each_row(
    client, login_as, organised, api_token
):
    _enterprise, secretary, members, congress = organised
    rows = roster_rows(members)
    rows[1][2] = "nobody"  # row 3: unknown username
    rows[3][5] = "未知"  # row 5: a bad gender ...
    rows[3][0] = rows[0][0]  # ... and the employee number of row 2
    data = csv_bytes(rows)

    response = upload(client, congress, data, "roster.csv", api_token(secretary))
    assert response.status_code == 422
    details = response.json["error"]["details"]
    assert set(details) == {"rows.3", "rows.5"}
    assert details["rows.3"] == ["No member of this enterprise has the username nobody."]
    assert "The gender is 男/女 (male/female), not 未知." in details["rows.5"]
    assert "Employee number E000 is on row 2 too." in details["rows.5"]

    login_as(secretary)
    response = upload(client, congress, data, "roster.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="roster-failures"' in page
    assert "nobody" in page and "未知" in page
    assert delegate_count(congress) == 0


def test_a_row_already_on_the_roster_is_refused(client, organised, api_token):
    _enterprise, secretary, members, congress = organised
    headers = api_token(secretary)
    assert (
        upload(client, congress, xlsx(roster_rows(members[:2])), "a.xlsx", headers).status_code
        == 201
    )
    response = upload(client, congress, xlsx(roster_rows(members[:3])), "b.xlsx", headers)
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"rows.2", "rows.3"}
    assert delegate_count(congress) == 2


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("roster.pdf", b"%PDF", "A roster is an .xlsx or a .csv file."),
        ("roster.xlsx", b"not a zip", "This is not a readable .xlsx file."),
        ("roster.csv", "姓名\n张三\n".encode(), "The header row lacks these columns"),
        (
            "roster.csv",
            b"employee_no,name,username,constituency,is_manager,gender\n",
            "no delegates",
        ),
        (  # a NUL, as in UTF-16 text, which PostgreSQL could not store either
            "roster.csv",
            csv_bytes([["E900", "张\x00三", "zhang", "一车间", "否", "男"]]),
            "neither UTF-8 nor GB18030",
        ),
    ],
)
def test_a_wrong_file_is_a_clear_422(client, organised, api_token, filename, data, words):
    _enterprise, secretary, _members, congress = organised
    response = upload(client, congress, data, filename, api_token(secretary))
    assert response.status_code == 422
    assert words in response.json["error"]["details"]["file"][0]


def test_the_roster_warns_about_managers_and_too_few_delegates(client, login_as, organised):
    _enterprise, secretary, members, congress = organised
    ops.import_roster(
        congress,
        secretary,
        [
            {"row": n + 2, **dict(zip(HEADERS_EN, r, strict=True))}
            for n, r in enumerate(roster_rows(members, managers=2))
        ],
    )
    db.session.commit()
    assert ops.roster_warnings(congress) == [
        "2 of the 5 delegates are managers; generally at most 20 % (1) should be",
        "the congress has 5 delegates; at least 30 are needed",
    ]
    login_as(secretary)
    page = client.get(f"/enterprises/{congress.enterprise_id}/congress?lang=en").get_data(
        as_text=True
    )
    assert 'id="roster-warnings"' in page
    assert "2 of the 5 delegates are managers" in page


def test_thirty_delegates_one_fifth_managers_have_no_warning(sitting):
    for delegate in sitting.congress.delegates[:6]:
        delegate.is_manager = True
    assert ops.roster_warnings(sitting.congress) == []


def test_the_secretary_adds_and_deactivates_a_delegate_on_the_web(client, login_as, organised):
    enterprise, secretary, members, congress = organised
    login_as(secretary)
    response = client.post(
        f"/congresses/{congress.id}/delegates",
        data={
            "username": members[0].username,
            "employee_no": "A1",
            "name": "张三",
            "constituency": "二车间",
            "gender": "female",
        },
    )
    assert response.status_code == 302
    assert members[0].has_role(enterprise.id, "delegate")
    delegate = congress.delegates[0]
    response = client.post(f"/delegates/{delegate.id}/deactivate")
    assert response.status_code == 302
    assert not delegate.active
    assert congress.active_delegates == []


def test_the_secretary_reactivates_a_delegate_on_the_web(client, login_as, sitting):
    delegate, other = sitting.congress.delegates[:2]
    ops.deactivate_delegate(delegate, sitting.secretary)
    db.session.commit()
    login_as(sitting.secretary)
    page = client.get(f"/enterprises/{sitting.enterprise.id}/congress?lang=en").get_data(
        as_text=True
    )
    assert f'action="/delegates/{delegate.id}/reactivate"' in page
    assert f'action="/delegates/{other.id}/reactivate"' not in page  # active: no button

    response = client.post(f"/delegates/{delegate.id}/reactivate")
    assert response.status_code == 302
    assert delegate.active and len(sitting.congress.active_delegates) == TOTAL
    event = history(sitting.congress)[-1]
    assert (event.action, event.actor_id, event.data) == (
        "delegate_reactivated",
        sitting.secretary.id,
        {"delegate_id": delegate.id, "employee_no": delegate.employee_no},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{delegate.name} is back on the active roster." in page
    assert f'action="/delegates/{delegate.id}/deactivate"' in page

    again = client.post(f"/delegates/{delegate.id}/reactivate")
    assert again.status_code == 409
    assert f"{delegate.name} is on the active roster already." in again.get_data(as_text=True)


def test_a_reactivated_delegate_gets_back_the_delegate_role(organised):
    enterprise, secretary, members, congress = organised
    member = members[0]
    delegate = ops.add_delegate(
        congress,
        secretary,
        username=member.username,
        employee_no="A1",
        name="张三",
        constituency="二车间",
        is_manager=False,
        gender="female",
    )
    ops.deactivate_delegate(delegate, secretary)
    role = next(m for m in member.memberships if m.role == "delegate")
    auth_operations.remove_membership(role, secretary)
    assert not member.has_role(enterprise.id, "delegate")
    ops.reactivate_delegate(delegate, secretary)
    assert delegate.active and member.has_role(enterprise.id, "delegate")


def test_the_roster_template_has_the_headers(client, login_as, organised):
    from openpyxl import load_workbook

    _enterprise, secretary, _members, congress = organised
    login_as(secretary)
    response = client.get(f"/congresses/{congress.id}/roster-template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == HEADERS_ZH


# --- sessions and check-in ----------------------------------------------------------------------


def test_the_secretary_schedules_and_opens_a_session_on_the_web(client, login_as, organised):
    _enterprise, secretary, _members, congress = organised
    login_as(secretary)
    response = client.post(
        f"/congresses/{congress.id}/sessions",
        data={
            "kind": "special",
            "title": "安全生产专题会议",
            "scheduled_at": "2026-06-20T09:00",
            "place": "大礼堂",
            "agenda": "一、安全生产",
        },
    )
    assert response.status_code == 302
    session = congress.sessions[0]
    assert session.scheduled_at == datetime(2026, 6, 20, 1, tzinfo=UTC)
    page = client.get(f"/sessions/{session.id}?lang=en").get_data(as_text=True)
    assert session.checkin_code in page
    assert f'action="/sessions/{session.id}/open"' in page
    assert client.post(f"/sessions/{session.id}/open").status_code == 302
    assert session.state == "in_session"
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f'action="/sessions/{session.id}/adjourn"' in page
    assert client.post(f"/sessions/{session.id}/adjourn").status_code == 302
    assert session.state == "adjourned"


def test_the_secretary_cancels_a_scheduled_session_on_the_web(client, login_as, sitting):
    session = sitting.session
    login_as(sitting.secretary)
    page = client.get(f"/sessions/{session.id}?lang=en").get_data(as_text=True)
    assert f'action="/sessions/{session.id}/cancel"' in page
    response = client.post(f"/sessions/{session.id}/cancel")
    assert response.status_code == 302
    assert session.state == "cancelled"
    event = history(session)[-1]
    assert (event.action, event.from_state, event.to_state, event.actor_id) == (
        "cancel_session",
        "scheduled",
        "cancelled",
        sitting.secretary.id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The session is cancelled." in page
    assert 'id="actions"' not in page  # a cancelled session offers nothing more


def test_a_session_in_session_cannot_be_cancelled(client, login_as, sitting):
    session = sitting.session
    ops.open_session(session, sitting.secretary)
    db.session.commit()
    login_as(sitting.secretary)
    page = client.get(f"/sessions/{session.id}?lang=en").get_data(as_text=True)
    assert f'action="/sessions/{session.id}/cancel"' not in page
    response = client.post(f"/sessions/{session.id}/cancel")
    assert response.status_code == 409
    assert "cannot cancel the session while the session is in session" in response.get_data(
        as_text=True
    )
    assert session.state == "in_session"


def test_a_session_is_cancelled_only_once_its_motions_are(client, login_as, sitting):
    session = sitting.session
    motion = ops.create_motion(session, sitting.secretary, title="议案", items=[("一", "")])
    db.session.commit()
    login_as(sitting.secretary)
    client.get("/?lang=en")
    response = client.post(f"/sessions/{session.id}/cancel")
    assert response.status_code == 409
    assert "motions first (still to be voted on: 1)" in response.get_data(as_text=True)
    assert session.state == "scheduled"
    assert client.post(f"/motions/{motion.id}/cancel").status_code == 302
    assert client.post(f"/sessions/{session.id}/cancel").status_code == 302
    assert (motion.state, session.state) == ("cancelled", "cancelled")


@pytest.fixture
def in_session(sitting):
    """The sitting, opened: delegates check in with the code."""
    ops.open_session(sitting.session, sitting.secretary)
    db.session.commit()
    return sitting


def wrong_code(session) -> str:
    return "000000" if session.checkin_code != "000000" else "111111"


def test_a_delegate_checks_in_with_the_code_on_the_web(client, login_as, in_session):
    sitting = in_session
    session = sitting.session
    login_as(sitting.delegates[0])
    url = f"/sessions/{session.id}/check-in"
    assert client.get(url).status_code == 200

    response = client.post(f"{url}?lang=en", data={"code": wrong_code(session)})
    assert response.status_code == 422
    assert "That is not this session&#39;s check-in code." in response.get_data(as_text=True)

    response = client.post(url, data={"code": session.checkin_code})
    assert response.status_code == 302
    again = client.post(f"{url}?lang=en", data={"code": session.checkin_code})
    assert again.status_code == 200
    assert 'id="checked-in"' in again.get_data(as_text=True)
    assert ops.attendance_of(session)[0] == 1


def test_a_delegate_checks_in_through_the_api(client, api_token, in_session):
    sitting = in_session
    session = sitting.session
    headers = api_token(sitting.delegates[0])
    url = f"/api/v1/sessions/{session.id}/check-in"
    response = client.post(url, json={"code": wrong_code(session)}, headers=headers)
    assert response.status_code == 422
    assert "code" in response.json["error"]["details"]
    response = client.post(url, json={"code": session.checkin_code}, headers=headers)
    assert response.status_code == 201
    assert client.post(url, json={"code": session.checkin_code}, headers=headers).status_code == 409
    info = client.get(f"/api/v1/sessions/{session.id}", headers=headers).json
    assert (info["present"], info["delegates"], info["quorum_needed"]) == (1, 30, 20)
    assert info["checked_in"] is True
    assert info["checkin_code"] is None  # a delegate does not run the session


def test_the_secretary_checks_a_delegate_in(client, login_as, api_token, sitting):
    session = sitting.session
    first, second = sitting.congress.delegates[:2]
    login_as(sitting.secretary)
    response = client.post(f"/sessions/{session.id}/attendance", data={"delegate_id": first.id})
    assert response.status_code == 302
    response = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={"delegate_id": second.id},
        headers=api_token(sitting.secretary),
    )
    assert response.status_code == 201
    assert ops.present_delegate_ids(session) == {first.id, second.id}
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert first.name in page and second.name in page


@pytest.mark.parametrize("way", ["page", "api"])
def test_a_delegate_cannot_check_in_before_the_session_opens(
    client, login_as, api_token, sitting, way
):
    session, delegate = sitting.session, sitting.delegates[0]
    data = {"code": session.checkin_code}  # even the right code: none is compared before
    if way == "page":
        login_as(delegate)
        response = client.post(f"/sessions/{session.id}/check-in?lang=en", data=data)
        message = response.get_data(as_text=True)
    else:
        url = f"/api/v1/sessions/{session.id}/check-in"
        headers = api_token(delegate) | {"Accept-Language": "en"}
        response = client.post(url, json=data, headers=headers)
        message = response.json["error"]["message"]

    assert response.status_code == 409
    assert "Check-in with the code opens when the session opens." in message
    assert ops.attendance_of(session)[0] == 0


def test_wrong_codes_lock_a_delegates_check_in_on_the_page_and_the_api_alike(
    app, client, login_as, api_token, in_session, monkeypatch
):
    monkeypatch.setitem(app.config, "CHECK_IN_RATE_LIMIT", "2 per minute")
    session, delegate = in_session.session, in_session.delegates[0]
    page, api = f"/sessions/{session.id}/check-in", f"/api/v1/sessions/{session.id}/check-in"
    headers = api_token(delegate) | {"Accept-Language": "en"}
    login_as(delegate)
    assert client.post(page, data={"code": wrong_code(session)}).status_code == 422
    assert client.post(api, json={"code": wrong_code(session)}, headers=headers).status_code == 422

    right = {"code": session.checkin_code}
    refused = client.post(api, json=right, headers=headers)
    assert refused.status_code == 429
    assert "Too many wrong check-in codes." in refused.json["error"]["message"]
    assert client.post(f"{page}?lang=en", data=right).status_code == 429
    assert ops.attendance_of(session)[0] == 0
    other = api_token(in_session.delegates[1])
    assert client.post(api, json=right, headers=other).status_code == 201


def test_signing_out_and_in_again_does_not_reset_the_check_in_budget(
    app, client, login_as, in_session, monkeypatch
):
    monkeypatch.setitem(app.config, "CHECK_IN_RATE_LIMIT", "2 per minute")
    session, delegate = in_session.session, in_session.delegates[0]
    page = f"/sessions/{session.id}/check-in"
    login_as(delegate)
    for _ in range(2):
        assert client.post(page, data={"code": wrong_code(session)}).status_code == 422
    client.post("/logout")  # ends the session: its id carries a new epoch from now on
    login_as(delegate)
    assert client.post(page, data={"code": session.checkin_code}).status_code == 429


def test_wrong_codes_from_many_delegates_lock_the_sittings_check_in(
    app, client, api_token, in_session, monkeypatch
):
    monkeypatch.setitem(app.config, "CHECK_IN_SESSION_RATE_LIMIT", "3 per minute")
    session = in_session.session
    url = f"/api/v1/sessions/{session.id}/check-in"
    for delegate in in_session.delegates[:3]:
        wrong = {"code": wrong_code(session)}
        assert client.post(url, json=wrong, headers=api_token(delegate)).status_code == 422

    headers = api_token(in_session.delegates[3]) | {"Accept-Language": "en"}
    refused = client.post(url, json={"code": session.checkin_code}, headers=headers)

    assert refused.status_code == 429
    assert "tried for this session" in refused.json["error"]["message"]
    recorded = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={"delegate_id": in_session.congress.delegates[3].id},
        headers=api_token(in_session.secretary),
    )
    assert recorded.status_code == 201  # the secretary still checks delegates in


def test_attendance_against_the_quorum_is_shown(client, login_as, api_token, sitting):
    ops.open_session(sitting.session, sitting.secretary)
    check_in(sitting, 20)
    db.session.commit()
    login_as(sitting.secretary)
    page = client.get(f"/sessions/{sitting.session.id}?lang=en").get_data(as_text=True)
    assert "20 of 30 present, 20 needed" in page
    assert '<progress class="quorum" max="30" value="20">' in page
    info = client.get(
        f"/api/v1/sessions/{sitting.session.id}", headers=api_token(sitting.secretary)
    ).json
    assert (info["present"], info["quorum_needed"], info["checkin_code"]) == (
        20,
        20,
        sitting.session.checkin_code,
    )


def test_the_qr_code_and_the_venue_screen(client, login_as, sitting):
    session = sitting.session
    login_as(sitting.secretary)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f'src="/sessions/{session.id}/qr.svg"' in page
    response = client.get(f"/sessions/{session.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.data)
    assert svg.tag.endswith("svg")
    screen = client.get(f"/sessions/{session.id}/screen?lang=en").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="10">' in screen
    assert session.checkin_code in screen
    check_in_url = f"http://localhost/sessions/{session.id}/check-in?code={session.checkin_code}"
    assert check_in_url in screen
    assert "0 of 30 present, 20 needed" in screen
    assert "<script" not in screen


def test_the_qr_code_takes_a_delegate_to_the_filled_in_form(client, login_as, sitting):
    login_as(sitting.delegates[0])
    code = sitting.session.checkin_code
    page = client.get(f"/sessions/{sitting.session.id}/check-in?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page


# --- who may --------------------------------------------------------------------------------


def test_an_outsider_sees_nothing(client, login_as, make, sitting, api_token):
    outsider = make.user(roles=["congress_secretary"], enterprise=make.enterprise())
    login_as(outsider)
    session = sitting.session
    for url in (
        f"/enterprises/{sitting.enterprise.id}/congress",
        f"/sessions/{session.id}",
        f"/sessions/{session.id}/qr.svg",
        f"/sessions/{session.id}/check-in",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/sessions/{session.id}/cancel",
        f"/delegates/{sitting.congress.delegates[0].id}/reactivate",
    ):
        assert client.post(url).status_code == 404, url
    headers = api_token(outsider)
    assert client.get(f"/api/v1/sessions/{session.id}", headers=headers).status_code == 404
    response = client.post(
        f"/api/v1/sessions/{session.id}/check-in",
        json={"code": session.checkin_code},
        headers=headers,
    )
    assert response.status_code == 404


def test_a_delegate_may_not_run_the_congress(client, login_as, sitting, api_token):
    delegate = sitting.delegates[0]
    session, congress = sitting.session, sitting.congress
    ops.deactivate_delegate(congress.delegates[2], sitting.secretary)
    db.session.commit()
    login_as(delegate)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f"/sessions/{session.id}/cancel" not in page
    page = client.get(f"/enterprises/{sitting.enterprise.id}/congress").get_data(as_text=True)
    assert "/reactivate" not in page
    for url in (
        f"/sessions/{session.id}/open",
        f"/sessions/{session.id}/cancel",
        f"/sessions/{session.id}/attendance",
        f"/congresses/{congress.id}/roster",
        f"/congresses/{congress.id}/delegates",
        f"/congresses/{congress.id}/sessions",
        f"/delegates/{congress.delegates[1].id}/deactivate",
        f"/delegates/{congress.delegates[2].id}/reactivate",
    ):
        assert client.post(url, data={}).status_code == 403, url
    assert client.get(f"/sessions/{session.id}/screen").status_code == 403
    assert client.get(f"/sessions/{session.id}/qr.svg").status_code == 403
    response = client.post(
        f"/api/v1/sessions/{session.id}/open", json={}, headers=api_token(delegate)
    )
    assert response.status_code == 403
    assert session.state == "scheduled" and not congress.delegates[2].active
