"""The negotiation JSON API: the whole workflow through the API only, who may do what, the
error answers, the costing figures and the OpenAPI document."""

from datetime import UTC, date, datetime

from app.extensions import db
from app.negotiations import operations as ops
from app.wage_grids.queries import current_grid
from tests.conftest import counted_statements
from tests.fixtures.api import error, ok
from tests.fixtures.negotiations import grid_rows

REQUEST = {
    "subject": "2026年度能级工资集体协商",
    "term_years": 2,
    "topics": "能级工资标准；年度调整",
    "proposed_at": "2026-06-10T09:00:00+08:00",
    "proposed_place": "工会会议室",
}


def rows_json(raise_fen: int = 0) -> list[dict]:
    return [
        {
            "grade": r.grade,
            "base_fen": r.base_fen,
            "allowance_fen": r.allowance_fen,
            "headcount": r.headcount,
        }
        for r in grid_rows(raise_fen)
    ]


def allowed(api, user, negotiation_id: int) -> list[str]:
    return ok(api(user).get(f"/negotiations/{negotiation_id}"))["allowed_actions"]


def test_a_negotiation_goes_from_request_to_agreed_through_the_api(world, api, today):
    union, employer = api(world.union_chief), api(world.employer_chief)
    secretary, delegate = world.secretary, world.delegates[0]

    n = ok(union.post(f"/enterprises/{world.enterprise.id}/negotiations", REQUEST), 201)
    path = f"/negotiations/{n['id']}"
    assert (n["state"], n["initiator_side"], n["responder_side"]) == ("draft", "union", "employer")
    assert n["proposed_at"] == "2026-06-10T01:00:00+00:00"
    assert n["allowed_actions"] == ["send_request", "withdraw"]
    assert allowed(api, world.employer_chief, n["id"]) == []
    assert allowed(api, delegate, n["id"]) == []
    n = ok(union.patch(path, {"term_years": 3}))
    assert (n["term_years"], n["subject"]) == (3, REQUEST["subject"])

    n = ok(union.post(f"{path}/send-request"))
    assert (n["state"], n["requested_on"], n["response_due"]) == (
        "requested",
        "2026-06-01",
        "2026-06-22",
    )  # 20 days end on Sunday 21 June → Monday
    assert n["deadlines"] == [
        {
            "label": "Written response due",
            "due": "2026-06-22",
            "days_left": 21,
            "overdue": False,
            "article": "集体合同规定 Art 32",
        }
    ]
    assert n["allowed_actions"] == ["escalate", "withdraw"]
    assert allowed(api, world.employer_chief, n["id"]) == ["accept", "refuse"]
    assert n["response_overdue"] is False

    n = ok(employer.post(f"{path}/accept", {"topics": "绩效工资"}))
    assert (n["state"], n["responder_topics"], n["deadlines"]) == ("preparing", "绩效工资", [])
    assert n["allowed_actions"] == ["start_talks"]
    assert allowed(api, world.employer_chief, n["id"]) == ["start_talks"]

    for caller, side, people in (
        (union, "union", world.union),
        (employer, "employer", world.employer),
    ):
        for i, person in enumerate(people):
            rep = ok(
                caller.post(
                    f"{path}/representatives",
                    {
                        "side": side,
                        "username": person.username,
                        "is_chief": i == 0,
                        "position": "代表",
                    },
                ),
                201,
            )
            assert (rep["name"], rep["side"], rep["is_chief"]) == (person.full_name, side, i == 0)
    expert = ok(
        union.post(
            f"{path}/representatives",
            {"side": "union", "name": "王教授", "is_outside_expert": True},
        ),
        201,
    )
    assert expert["username"] is None
    ok(union.post(f"/representatives/{expert['id']}/vacate"))
    assert len(ok(union.get(f"{path}/representatives"))) == 7

    assert "no recorder" in error(employer.post(f"{path}/start-talks"), 409)["message"]
    n = ok(union.put(f"{path}/recorder", {"username": secretary.username}))
    assert n["recorder"] == {"user_id": secretary.id, "username": "secretary", "name": "郑秘书"}
    n = ok(employer.post(f"{path}/start-talks"))
    assert n["state"] == "negotiating"
    assert n["allowed_actions"] == ["escalate", "suspend", "agree"]
    assert allowed(api, delegate, n["id"]) == []

    n = ok(
        union.put(
            f"{path}/clauses",
            {"term_years": 2, "pay_day": 15, "adjustment_rule": "每年7月按上年度企业效益调整"},
        )
    )
    assert (n["revision"], n["pay_day"]) == (2, 15)
    round_ = ok(
        union.post(
            f"{path}/rounds", {"held_at": "2026-06-10T09:00:00+08:00", "place": "工会会议室"}
        ),
        201,
    )
    assert (round_["number"], round_["chair_side"]) == (1, "union")
    ok(api(secretary).put(f"/rounds/{round_['id']}/minutes", {"minutes": "双方交换了工资方案。"}))
    ok(union.post(f"/rounds/{round_['id']}/confirm"))
    assert ok(employer.post(f"/rounds/{round_['id']}/confirm"))["confirmed"] is True

    ours = ok(union.post(f"/rounds/{round_['id']}/proposals", {"rows": rows_json(300_00)}), 201)
    theirs = ok(
        employer.post(
            f"/rounds/{round_['id']}/proposals", {"rows": rows_json(100_00), "note": "首轮"}
        ),
        201,
    )
    assert (ours["side"], ours["round"], theirs["side"]) == ("union", 1, "employer")
    assert ok(union.get(f"/rounds/{round_['id']}"))["proposals"] == [
        {"id": ours["grid_id"], "side": "union"},
        {"id": theirs["grid_id"], "side": "employer"},
    ]

    n = ok(union.post(f"{path}/accept-proposal", {"grid_id": ours["grid_id"]}))
    assert n["state"] == "negotiating"
    assert n["acceptances"] == {
        "union": {"grid_id": ours["grid_id"], "revision": 2, "current": True},
        "employer": {"grid_id": None, "revision": None, "current": False},
    }
    n = ok(employer.post(f"{path}/accept-proposal", {"grid_id": ours["grid_id"]}))
    assert (n["state"], n["agreed_grid_id"], n["agreed_revision"]) == ("agreed", ours["grid_id"], 2)
    assert [i["number"] for i in n["draft_items"]] == [1, 2, 3, 4]
    assert n["draft_items"][2]["text"] == "每年7月按上年度企业效益调整"
    assert n["allowed_actions"] == ["reopen"]  # the employer's answer
    assert allowed(api, world.union_chief, n["id"]) == ["reopen", "submit_to_congress"]
    assert allowed(api, secretary, n["id"]) == ["submit_to_congress"]
    assert allowed(api, delegate, n["id"]) == []
    rounds = n["rounds"]
    assert [(p["id"], p["side"]) for p in rounds[0]["proposals"]] == [
        (ours["grid_id"], "union"),
        (theirs["grid_id"], "employer"),
    ]


def test_either_side_reopens_an_agreed_draft(walk, world, api, today):
    n = walk.agreed()
    answer = ok(api(world.employer_chief).post(f"/negotiations/{n.id}/reopen"))
    assert answer["state"] == "negotiating"
    assert answer["acceptances"]["union"] == {"grid_id": None, "revision": None, "current": False}


def test_a_refusal_leads_to_a_dispute_that_is_extended_once_and_resolved(
    walk, world, api, make, today
):
    n = walk.requested()
    path = f"/negotiations/{n.id}"
    union, employer = api(world.union_chief), api(world.employer_chief)
    assert "reason" in error(employer.post(f"{path}/refuse", {}), 422)["details"]
    assert (
        "reason in writing"
        in error(employer.post(f"{path}/refuse", {"reason": " "}), 409)["message"]
    )
    answer = ok(employer.post(f"{path}/refuse", {"reason": "经营困难"}))
    assert (answer["state"], answer["refusal_reason"]) == ("requested", "经营困难")

    answer = ok(union.post(f"{path}/escalate"))
    assert answer["state"] == "in_dispute"
    assert answer["deadlines"] == [
        {
            "label": "Dispute coordination ends",
            "due": "2026-07-01",
            "days_left": 30,
            "overdue": False,
            "article": "集体合同规定 Art 52",
        }
    ]
    coordinator = make.admin(username="federation")
    assert allowed(api, coordinator, n.id) == ["extend_dispute", "resolve_dispute", "abandon"]
    message = error(union.post(f"{path}/dispute/extend", {"days": 20}), 409)["message"]
    assert message == "an extension is 1 to 15 days, not 20"
    assert ok(union.post(f"{path}/dispute/extend", {"days": 15}))["dispute_due"] == "2026-07-16"
    assert (
        "already been extended"
        in error(union.post(f"{path}/dispute/extend", {"days": 5}), 409)["message"]
    )
    assert ok(api(coordinator).post(f"{path}/dispute/resolve"))["state"] == "negotiating"


def test_the_requester_escalates_an_unanswered_request_once_it_is_overdue(walk, world, api, today):
    n = walk.requested()
    union = api(world.union_chief)
    early = error(union.post(f"/negotiations/{n.id}/escalate"), 409)
    assert "deadline has not passed" in early["message"]
    today(date(2026, 6, 23))
    listed = ok(union.get("/negotiations"))
    assert [(x["id"], x["response_overdue"]) for x in listed] == [(n.id, True)]
    assert ok(union.get(f"/negotiations/{n.id}"))["deadlines"][0]["overdue"] is True
    assert ok(union.post(f"/negotiations/{n.id}/escalate"))["state"] == "in_dispute"


def test_an_abandoned_dispute_ends_the_negotiation(walk, world, api, today):
    n = walk.negotiating()
    employer = api(world.employer_chief)
    ok(employer.post(f"/negotiations/{n.id}/escalate"))
    answer = ok(employer.post(f"/negotiations/{n.id}/abandon", {"reason": "无法达成一致"}))
    assert (answer["state"], answer["allowed_actions"]) == ("abandoned", [])


def test_the_requester_withdraws_a_draft(world, api, today):
    union = api(world.union_chief)
    n = ok(union.post(f"/enterprises/{world.enterprise.id}/negotiations", REQUEST), 201)
    assert ok(union.post(f"/negotiations/{n['id']}/withdraw"))["state"] == "abandoned"


def test_suspension_is_proposed_by_one_side_and_confirmed_by_the_other(walk, world, api, today):
    n = walk.negotiating()
    path = f"/negotiations/{n.id}"
    union, employer = api(world.union_chief), api(world.employer_chief)
    assert (
        "resume_on"
        in error(union.post(f"{path}/suspension", {"resume_on": "soon"}), 422)["details"]
    )
    answer = ok(union.post(f"{path}/suspension", {"resume_on": "2026-06-20"}))
    assert (answer["suspension_proposed_by"], answer["suspension_resume_on"]) == (
        "union",
        "2026-06-20",
    )
    assert "both sides" in error(union.post(f"{path}/suspension/confirm"), 409)["message"]
    answer = ok(employer.post(f"{path}/suspension/confirm"))
    assert (answer["state"], answer["resume_on"]) == ("suspended", "2026-06-20")
    assert answer["deadlines"] == [
        {
            "label": "Talks resume",
            "due": "2026-06-20",
            "days_left": 19,
            "overdue": False,
            "article": "集体合同规定 Art 35",
        }
    ]
    assert ok(employer.post(f"{path}/resume"))["state"] == "negotiating"


def test_a_vacated_seat_shows_its_refill_deadline(walk, world, api, today):
    n = walk.negotiating()
    rep = n.active_representatives("union")[2]
    answer = ok(api(world.union_chief).post(f"/representatives/{rep.id}/vacate"))
    assert (answer["vacated_on"], answer["refill_due"]) == ("2026-06-01", "2026-06-16")
    deadlines = ok(api(world.union_chief).get(f"/negotiations/{n.id}"))["deadlines"]
    assert deadlines == [
        {
            "label": f"Refill the seat of {rep.name}",
            "due": "2026-06-16",
            "days_left": 15,
            "overdue": False,
            "article": "集体合同规定 Art 31",
        }
    ]
    assert (
        "left already"
        in error(api(world.union_chief).post(f"/representatives/{rep.id}/vacate"), 409)["message"]
    )
    refused = error(
        api(world.employer_chief).post(
            f"/representatives/{n.active_representatives('union')[1].id}/vacate"
        ),
        403,
    )
    assert "union" in refused["message"]


def test_items_are_added_changed_and_removed_each_raising_the_revision(walk, world, api, today):
    n = walk.negotiating()
    union, employer = api(world.union_chief), api(world.employer_chief)
    revision = n.revision
    heat = ok(
        union.post(f"/negotiations/{n.id}/items", {"title": "高温津贴", "text": "6至9月发放。"}),
        201,
    )
    night = ok(
        employer.post(f"/negotiations/{n.id}/items", {"title": "夜班津贴", "text": "每班30元。"}),
        201,
    )
    assert (heat["number"], night["number"]) == (1, 2)
    ok(employer.patch(f"/items/{heat['id']}", {"text": "每年6至9月按月发放。"}))
    assert union.delete(f"/items/{heat['id']}").status_code == 204
    answer = ok(union.get(f"/negotiations/{n.id}"))
    assert answer["revision"] == revision + 4
    assert [(i["id"], i["number"]) for i in answer["items"]] == [(night["id"], 1)]
    assert [(i["number"], i["title"]) for i in answer["draft_items"]][4:] == [(5, "夜班津贴")]
    assert "title" in error(union.patch(f"/items/{night['id']}", {"title": ""}), 422)["details"]


def test_a_bad_grid_is_422_naming_the_grade_and_the_figure(walk, world, api, today):
    n = walk.negotiating()
    round_ = ops.schedule_round(n, world.union_chief, datetime(2026, 6, 10, 2, tzinfo=UTC), "室")
    db.session.commit()
    rows = rows_json()
    rows[0]["base_fen"] = 1_900_00  # 1,900 + 400 = 2,300 yuan, below the 2,490 minimum wage
    rows[3]["headcount"] = -1
    details = error(
        api(world.union_chief).post(f"/rounds/{round_.id}/proposals", {"rows": rows}), 422
    )["details"]
    assert details == {
        "rows.0.total_fen": [
            "学徒工 is paid 2,300.00 yuan a month, below the minimum wage of 2,490.00 yuan"
        ],
        "rows.3.headcount": ["高级工 has a negative headcount of -1"],
    }
    rows = rows_json()
    rows[1]["base_fen"] = "lots"
    del rows[2]["headcount"]
    details = error(
        api(world.employer_chief).put(f"/enterprises/{world.enterprise.id}/grid", {"rows": rows}),
        422,
    )["details"]
    assert set(details) == {"rows.1.base_fen", "rows.2.headcount"}
    assert error(api(world.union_chief).post(f"/rounds/{round_.id}/proposals", {"rows": []}), 422)[
        "details"
    ] == {"rows": ["the wage grid has no grades"]}


def test_an_action_not_allowed_now_is_409_with_the_reason(walk, world, api, today):
    n = walk.requested()
    employer = api(world.employer_chief)
    answer = error(employer.post(f"/negotiations/{n.id}/start-talks"), 409)
    assert answer["code"] == "conflict"
    assert answer["message"] == "cannot start the talks while the negotiation is requested"
    assert (
        "no longer be changed"
        in error(api(world.union_chief).patch(f"/negotiations/{n.id}", {"subject": "x"}), 409)[
            "message"
        ]
    )
    assert (
        "while the talks are on"
        in error(
            employer.put(
                f"/negotiations/{n.id}/clauses",
                {"term_years": 1, "adjustment_rule": "x", "pay_day": 1},
            ),
            409,
        )["message"]
    )


def test_malformed_json_is_400_and_a_bad_field_422(walk, world, api, today):
    n = walk.requested()
    response = api(world.employer_chief).client.post(
        f"/api/v1/negotiations/{n.id}/accept",
        data="{not json",
        headers={**api(world.employer_chief).headers, "Content-Type": "application/json"},
    )
    assert error(response, 400)["code"] == "bad_request"
    details = error(
        api(world.union_chief).post(
            f"/enterprises/{world.enterprise.id}/negotiations",
            {**REQUEST, "term_years": 4, "proposed_at": "2026-06-10T09:00:00"},
        ),
        422,
    )["details"]
    assert set(details) == {"term_years", "proposed_at"}


def _parts(walk, world):
    """A negotiation in talks with a round, proposals, an item and a vacated seat."""
    n, round_, union, _employer = walk.with_proposals()
    item = ops.add_item(n, world.union_chief, "高温津贴", "6至9月发放。")
    db.session.commit()
    rep = n.active_representatives("union")[2]
    return n, round_, union, item, rep


def test_a_representative_of_another_enterprise_sees_nothing(walk, world, api, today):
    n, round_, grid, item, rep = _parts(walk, world)
    outsider = api(world.outsider)
    calls = [
        ("GET", f"/negotiations/{n.id}", None),
        ("GET", f"/negotiations/{n.id}/representatives", None),
        ("GET", f"/negotiations/{n.id}/comparison", None),
        ("GET", f"/rounds/{round_.id}", None),
        ("GET", f"/enterprises/{world.enterprise.id}/grid", None),
        ("GET", f"/enterprises/{world.enterprise.id}/negotiations", None),
        ("POST", f"/enterprises/{world.enterprise.id}/negotiations", REQUEST),
        ("PATCH", f"/negotiations/{n.id}", {"subject": "x"}),
        ("POST", f"/negotiations/{n.id}/escalate", None),
        ("POST", f"/negotiations/{n.id}/accept-proposal", {"grid_id": grid.id}),
        ("PUT", f"/negotiations/{n.id}/clauses", {"term_years": 1}),
        ("POST", f"/negotiations/{n.id}/representatives", {"side": "union"}),
        ("PUT", f"/negotiations/{n.id}/recorder", {"username": "outsider"}),
        ("POST", f"/representatives/{rep.id}/vacate", None),
        ("POST", f"/negotiations/{n.id}/rounds", {}),
        ("PUT", f"/rounds/{round_.id}/minutes", {"minutes": "x"}),
        ("POST", f"/rounds/{round_.id}/confirm", None),
        ("POST", f"/rounds/{round_.id}/proposals", {"rows": rows_json()}),
        ("POST", f"/negotiations/{n.id}/items", {"title": "x", "text": "y"}),
        ("PATCH", f"/items/{item.id}", {"title": "x"}),
        ("DELETE", f"/items/{item.id}", None),
        ("PUT", f"/enterprises/{world.enterprise.id}/grid", {"rows": rows_json()}),
    ]
    for method, path, body in calls:
        answer = error(outsider.call(method, path, body), 404)
        assert answer["code"] == "not_found", (method, path)
    assert ok(outsider.get("/negotiations")) == []


def test_a_delegate_reads_but_may_not_act_for_a_side(walk, world, api, today):
    n, round_, grid, item, rep = _parts(walk, world)
    delegate = api(world.delegates[0])
    for path in (
        f"/negotiations/{n.id}",
        f"/negotiations/{n.id}/comparison",
        f"/rounds/{round_.id}",
        f"/negotiations/{n.id}/representatives",
    ):
        ok(delegate.get(path))
    # A body that would be refused (422) still gets 403: who acts is checked first.
    calls = [
        ("POST", f"/enterprises/{world.enterprise.id}/negotiations", {}),
        ("POST", f"/negotiations/{n.id}/escalate", None),
        ("POST", f"/negotiations/{n.id}/suspension", {"resume_on": "2026-06-20"}),
        ("POST", f"/negotiations/{n.id}/suspension", {}),
        ("POST", f"/negotiations/{n.id}/accept-proposal", {"grid_id": grid.id}),
        ("PUT", f"/negotiations/{n.id}/clauses", {}),
        (
            "POST",
            f"/negotiations/{n.id}/representatives",
            {"side": "union", "username": world.delegates[1].username},
        ),
        ("PUT", f"/negotiations/{n.id}/recorder", {"username": world.delegates[1].username}),
        ("POST", f"/representatives/{rep.id}/vacate", None),
        ("POST", f"/negotiations/{n.id}/rounds", {}),
        ("PUT", f"/rounds/{round_.id}/minutes", {"minutes": "x"}),
        ("POST", f"/rounds/{round_.id}/confirm", None),
        ("POST", f"/rounds/{round_.id}/proposals", {"rows": rows_json(500_00)}),
        ("POST", f"/negotiations/{n.id}/items", {"title": "x", "text": "y"}),
        ("PATCH", f"/items/{item.id}", {"title": ""}),
        ("DELETE", f"/items/{item.id}", None),
        ("PUT", f"/enterprises/{world.enterprise.id}/grid", {"rows": []}),
    ]
    for method, path, body in calls:
        assert delegate.call(method, path, body).status_code == 403, (method, path)


def test_the_comparison_costs_every_proposal_against_the_current_grid(walk, world, api, today):
    n, round_, union, employer = walk.with_proposals()
    columns = ok(api(world.delegates[0]).get(f"/negotiations/{n.id}/comparison"))
    assert [(c["label"], c["grid_id"], c["side"], c["round"]) for c in columns] == [
        ("Current grid", current_grid(world.enterprise).id, None, None),
        ("Round 1 · union", union.id, "union", 1),
        ("Round 1 · employer", employer.id, "employer", 1),
    ]
    # The current grid: 310 workers at 2,600 + 500·i yuan (i = 0..7):
    # 30·2600 + 60·3100 + 80·3600 + 70·4100 + 40·4600 + 20·5100 + 8·5600 + 2·6100
    # = 78,000 + 186,000 + 288,000 + 287,000 + 184,000 + 102,000 + 44,800 + 12,200
    # = 1,182,000 yuan a month; 14,184,000 a year; average 1,182,000 / 310 = 3,812.90 yuan.
    assert columns[0]["costing"] == {
        "monthly_fen": 118_200_000,
        "annual_fen": 1_418_400_000,
        "headcount": 310,
        "average_fen": 381_290,
        "change_monthly_fen": 0,
        "change_average_fen": 0,
        "change_pct": "0.00",
        "guideline_position": None,
        "guideline_warning": None,
    }
    assert columns[0]["changed"] == []
    # The union's proposal: 300 yuan more for each of the 310 workers = 93,000 yuan a month;
    # 1,275,000 a month, 15,300,000 a year; average 1,275,000 / 310 = 4,112.90 yuan (+300.00);
    # +93,000 / 1,182,000 = +7.868 % → 7.87 %, above the 7.00 % upper line.
    assert columns[1]["costing"] == {
        "monthly_fen": 127_500_000,
        "annual_fen": 1_530_000_000,
        "headcount": 310,
        "average_fen": 411_290,
        "change_monthly_fen": 9_300_000,
        "change_average_fen": 30_000,
        "change_pct": "7.87",
        "guideline_position": "above",
        "guideline_warning": "the average wage changes by 7.87 %, above the guideline's upper "
        "line of 7.00 %",
    }
    # The employer's: 100 yuan more each = 31,000 yuan a month; 1,213,000 a month; average
    # 1,213,000 / 310 = 3,912.90 yuan (+100.00); +31,000 / 1,182,000 = +2.623 % → 2.62 %,
    # below the 3.00 % lower line.
    assert columns[2]["costing"] == {
        "monthly_fen": 121_300_000,
        "annual_fen": 1_455_600_000,
        "headcount": 310,
        "average_fen": 391_290,
        "change_monthly_fen": 3_100_000,
        "change_average_fen": 10_000,
        "change_pct": "2.62",
        "guideline_position": "below",
        "guideline_warning": "the average wage changes by 2.62 %, below the guideline's lower "
        "line of 3.00 %",
    }
    # Only the base wage moved, in every one of the eight grades.
    assert columns[1]["changed"] == [[p, "base_fen"] for p in range(1, 9)]
    assert columns[1]["rows"][0] == {
        "position": 1,
        "grade": "学徒工",
        "base_fen": 2_500_00,
        "allowance_fen": 400_00,
        "total_fen": 2_900_00,
        "headcount": 30,
    }


def test_the_grid_in_force_is_read_by_members_and_set_by_the_employer(world, api, make, today):
    path = f"/enterprises/{world.enterprise.id}/grid"
    current = ok(api(world.delegates[0]).get(path))
    assert (current["label"], current["costing"]["monthly_fen"]) == ("Current grid", 118_200_000)
    assert current["costing"]["change_pct"] is None
    assert (
        "employer side"
        in error(api(world.union_chief).put(path, {"rows": rows_json()}), 403)["message"]
    )
    answer = ok(
        api(world.employer_chief).put(path, {"rows": rows_json(100_00), "note": "2026年6月"})
    )
    assert (answer["note"], answer["costing"]["monthly_fen"]) == ("2026年6月", 121_300_000)
    assert ok(api(make.admin()).put(path, {"rows": rows_json()}))["grid_id"] > answer["grid_id"]
    fresh = make.enterprise()
    assert error(api(make.admin()).get(f"/enterprises/{fresh.id}/grid"), 404)["message"]


def test_appointing_someone_who_is_not_a_member_names_nobody(walk, world, api, today):
    n = walk.preparing()
    details = error(
        api(world.union_chief).post(
            f"/negotiations/{n.id}/representatives",
            {"side": "union", "username": world.outsider.username},
        ),
        422,
    )["details"]
    assert details == {"username": ["No member of this enterprise has the username outsider."]}
    assert world.outsider.full_name not in str(details)
    refused = error(
        api(world.union_chief).post(
            f"/negotiations/{n.id}/representatives",
            {"side": "employer", "username": world.delegates[0].username},
        ),
        403,
    )
    assert "employer" in refused["message"]


def test_lists_are_paginated(walk, world, api, today):
    first, second = walk.requested(), walk.requested()
    response = api(world.employer_chief).get("/negotiations?page=1&page_size=1")
    assert [x["id"] for x in ok(response)] == [second.id]
    assert '"total": 2' in response.headers["X-Pagination"]
    listed = ok(
        api(world.delegates[0]).get(
            f"/enterprises/{world.enterprise.id}/negotiations?page=2&page_size=1"
        )
    )
    assert [(x["id"], x["state"]) for x in listed] == [(first.id, "requested")]


def test_a_page_past_the_last_is_empty_however_far(walk, world, api, today):
    walk.requested()
    for page in (2, 2**31, 2**61):  # the last one's offset overflows a 64-bit integer
        response = api(world.employer_chief).get(f"/negotiations?page={page}&page_size=100")
        assert ok(response) == [] and '"total": 1' in response.headers["X-Pagination"]


def test_the_list_needs_no_query_per_negotiation(world, api, make, today):
    """Each row names its enterprise: loaded with the page, not one query per row."""
    admin = api(make.admin())

    def queries_for_list() -> int:
        with counted_statements() as statements:
            ok(admin.get("/negotiations?page_size=50"))
        return len(statements)

    def open_one():
        enterprise = make.enterprise()
        rep = make.user(roles=["union_rep"], enterprise=enterprise)
        ops.open_negotiation(enterprise, rep, subject="能级工资", term_years=1, topics="工资")
        db.session.commit()

    open_one()
    queries_for_list()  # the token's first use is written once
    few = queries_for_list()
    for _i in range(4):
        open_one()
    assert queries_for_list() == few


def test_the_openapi_document_describes_every_negotiation_endpoint(app, client):
    spec = client.get("/api/v1/openapi.json").json
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api_negotiations.")]
    assert rules
    for rule in rules:
        path = rule.rule.replace("<int:", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path][method.lower()]
            success = {code for code in operation["responses"] if code.startswith("2")}
            assert success, (method, path)
            for code in success - {"204"}:
                assert operation["responses"][code]["content"], (method, path)
            if method in ("PUT", "PATCH") or (
                method == "POST"
                and path.endswith(
                    ("/negotiations", "/items", "/rounds", "/proposals", "/representatives")
                )
            ):
                assert "requestBody" in operation, (method, path)
    negotiation = spec["components"]["schemas"]["Negotiation"]["properties"]
    assert {"allowed_actions", "deadlines", "draft_items", "acceptances"} <= set(negotiation)
