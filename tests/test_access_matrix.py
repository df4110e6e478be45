"""Every route, every kind of visitor (DESIGN §5): anonymous → sign-in (401 in the API),
outsider → 404, wrong role → 403. A new route must be classified here or this test fails."""

import re

import pytest

PUBLIC = {"static", "api-docs.openapi_json", "auth.login"}
# The contract verification pages (验证) answer anyone, signed in or not.
PUBLIC |= {"contracts.verify", "contracts.verify_code"}
# Any signed-in user; what they see is their own.
SIGNED_IN = {
    "orgs.home",
    "auth.logout",
    "auth.profile",
    "auth.change_password",
    "auth.tokens",
    "notifications.inbox",
    "notifications.read",
    "api_auth.me",
    "api_auth.list_tokens",
    "api_auth.create_token",
    "api_notifications.list_notifications",
    "api_notifications.read_notifications",
    "api_orgs.list_regions",
    "api_orgs.get_region",
    "api_orgs.list_enterprises",
    "api_negotiations.list_negotiations",
    "negotiations.index",
    "api_orgs.get_calendar",
    "api_contracts.verify_upload",
    "api_contracts.verify_code",
}
OWN_TOKEN = {"auth.revoke_token", "api_auth.revoke_token"}
# Visible to the enterprise's members (and the federation); 404 for outsiders.
ENTERPRISE = {
    "orgs.enterprise",
    "api_orgs.get_enterprise",
    "api_orgs.list_memberships",
    "api_audit.enterprise_history",
    "api_negotiations.list_enterprise_negotiations",
    "api_negotiations.get_negotiation",
    "api_negotiations.list_representatives",
    "api_negotiations.get_round",
    "api_negotiations.comparison",
    "api_negotiations.get_current_grid",
    "negotiations.show",
    "negotiations.show_round",
    "negotiations.comparison",
    "negotiations.draft",
    "congress.show_motion",
    "congress.results",
    "congress.results_xlsx",
    "congress.resolution",
    "api_congress.get_motion",
    "api_congress.get_results",
    "congress.show",
    "contracts.show",
    "contracts.contract_pdf",
    "contracts.revision_pdf",
    "api_contracts.get_contract",
    "api_contracts.list_negotiation_contracts",
    "api_contracts.list_enterprise_contracts",
    "api_contracts.get_pdf",
    "api_contracts.get_revision_pdf",
    "congress.show_session",
    "congress.roster_template",
    "api_congress.get_enterprise_congress",
    "api_congress.get_congress",
    "api_congress.list_delegates",
    "api_congress.get_session",
}
# Enterprise-scoped administration: outsiders 404, members 403, the federation admin may.
ENTERPRISE_ADMIN = {
    "admin_orgs.edit_enterprise",
    "admin_orgs.add_membership",
    "admin_orgs.remove_membership",
    "api_orgs.update_enterprise",
    "api_orgs.add_membership",
    "api_orgs.remove_membership",
}
# Acting for a side (or as recorder, chief, coordinator): outsiders 404, a delegate 403.
ENTERPRISE_ACTION = {
    "api_negotiations.open_negotiation",
    "api_negotiations.update_request",
    "api_negotiations.send_request",
    "api_negotiations.accept_request",
    "api_negotiations.refuse_request",
    "api_negotiations.escalate",
    "api_negotiations.withdraw",
    "api_negotiations.start_talks",
    "api_negotiations.propose_suspension",
    "api_negotiations.confirm_suspension",
    "api_negotiations.resume",
    "api_negotiations.extend_dispute",
    "api_negotiations.resolve_dispute",
    "api_negotiations.abandon",
    "api_negotiations.reopen",
    "api_negotiations.update_clauses",
    "api_negotiations.accept_proposal",
    "api_negotiations.appoint_representative",
    "api_negotiations.vacate_representative",
    "api_negotiations.set_recorder",
    "api_negotiations.schedule_round",
    "api_negotiations.write_minutes",
    "api_negotiations.confirm_minutes",
    "api_negotiations.submit_proposal",
    "api_negotiations.add_item",
    "api_negotiations.update_item",
    "api_negotiations.remove_item",
    "api_negotiations.set_current_grid",
    "negotiations.new",
    "negotiations.edit_request",
    "negotiations.send_request",
    "negotiations.accept",
    "negotiations.refuse",
    "negotiations.escalate",
    "negotiations.withdraw",
    "negotiations.start_talks",
    "negotiations.propose_suspension",
    "negotiations.confirm_suspension",
    "negotiations.resume",
    "negotiations.extend_dispute",
    "negotiations.resolve_dispute",
    "negotiations.abandon",
    "negotiations.reopen",
    "negotiations.representatives",
    "negotiations.vacate_representative",
    "negotiations.set_recorder",
    "negotiations.schedule_round",
    "negotiations.write_minutes",
    "negotiations.confirm_minutes",
    "negotiations.propose",
    "negotiations.accept_proposal",
    "negotiations.update_clauses",
    "negotiations.add_item",
    "negotiations.update_item",
    "negotiations.remove_item",
    "contracts.sign",
    "contracts.void",
    "contracts.file_contract",
    "contracts.approve",
    "contracts.object_to",
    "contracts.publish",
    "contracts.renew",
    "api_contracts.sign_contract",
    "api_contracts.void_contract",
    "api_contracts.file_contract",
    "api_contracts.approve_contract",
    "api_contracts.object_to_contract",
    "api_contracts.record_publication",
    "api_contracts.renew_contract",
    "congress.new_motion",
    "congress.submit_to_congress",
    "congress.open_motion",
    "congress.close_motion",
    "congress.cancel_motion",
    "congress.vote",
    "api_congress.create_motion",
    "api_congress.submit_draft_to_congress",
    "api_congress.open_voting",
    "api_congress.close_voting",
    "api_congress.cancel_motion",
    "api_congress.cast_ballot",
    # The congress is run by its secretary and the union; check-in is for its delegates (the
    # member is none), so the member gets 403 on each of these.
    "congress.create",
    "congress.add_delegate",
    "congress.deactivate_delegate",
    "congress.reactivate_delegate",
    "congress.import_roster",
    "congress.schedule_session",
    "congress.open_session",
    "congress.adjourn_session",
    "congress.cancel_session",
    "congress.check_in",
    "congress.record_attendance",
    "congress.qr",
    "congress.screen",
    "api_congress.create_congress",
    "api_congress.add_delegate",
    "api_congress.import_roster",
    "api_congress.deactivate_delegate",
    "api_congress.reactivate_delegate",
    "api_congress.schedule_session",
    "api_congress.open_session",
    "api_congress.adjourn_session",
    "api_congress.cancel_session",
    "api_congress.check_in",
    "api_congress.record_attendance",
}
# The federation administrator only: 403 for everyone else.
ADMIN = {
    "admin_orgs.index",
    "admin_orgs.regions",
    "admin_orgs.new_region",
    "admin_orgs.edit_region",
    "admin_orgs.set_guideline",
    "admin_orgs.enterprises",
    "admin_orgs.new_enterprise",
    "admin_users.users",
    "admin_users.new_user",
    "admin_users.edit_user",
    "api_auth.list_users",
    "api_auth.create_user",
    "api_auth.get_user",
    "api_auth.update_user",
    "api_orgs.create_region",
    "api_orgs.update_region",
    "api_orgs.set_guideline",
    "api_orgs.create_enterprise",
    "api_audit.verify",
    "admin_orgs.calendar",
    "api_orgs.put_holiday_schedule",
    "contracts.reviews",  # and the labour officers, of their region
    "api_contracts.review_queue",  # and the labour officers, of their region
}
CLASSIFIED = (
    PUBLIC | SIGNED_IN | OWN_TOKEN | ENTERPRISE | ENTERPRISE_ADMIN | ENTERPRISE_ACTION | ADMIN
)


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(make, db_session):
    enterprise = make.enterprise()
    member = make.user("member", roles=["delegate"], enterprise=enterprise)
    outsider = make.user("outsider", roles=["union_rep"], enterprise=make.enterprise())
    token_owner = make.user("token-owner")
    from app.auth.operations import create_token

    token, _plain = create_token(token_owner, "t")
    negotiation = _negotiation_in_talks(make, enterprise)
    vote = _closed_motion(make, enterprise)
    contract = _contract(negotiation["negotiation_id"], negotiation["grid_id"], enterprise)
    db_session.commit()
    return {
        **vote,
        **negotiation,
        **contract,
        "enterprise_id": enterprise.id,
        "region_id": enterprise.region_id,
        "user_id": token_owner.id,
        "membership_id": member.memberships[0].id,
        "token_id": token.id,
        "year": 2026,
        "member": member,
        "outsider": outsider,
    }


def _negotiation_in_talks(make, enterprise) -> dict:
    """A negotiation in talks, with a round, a proposal and an item; the ids of its parts."""
    from datetime import UTC, date, datetime

    from app.negotiations import operations as ops
    from app.orgs import operations as org_operations
    from app.wage_grids.operations import set_current_grid
    from tests.fixtures.negotiations import grid_rows

    day = date(2026, 6, 1)
    sides = {
        side: [
            make.user(f"{side}{i}", roles=[f"{side}_rep"], enterprise=enterprise) for i in range(3)
        ]
        for side in ("union", "employer")
    }
    union_chief = sides["union"][0]
    org_operations.update_enterprise(enterprise, None, union_chair=union_chief)
    set_current_grid(enterprise, None, grid_rows())
    n = ops.open_negotiation(
        enterprise, union_chief, subject="能级工资", term_years=1, topics="工资标准"
    )
    ops.send_request(n, union_chief, today=day)
    ops.accept_request(n, sides["employer"][0], today=day)
    for side, people in sides.items():
        for i, person in enumerate(people):
            ops.appoint_representative(
                n,
                people[0],
                side=side,
                user=person,
                is_chief=i == 0,
                delegated_in_writing=i == 0 and side == "employer",  # the chair leads the union
                today=day,
            )
    ops.set_recorder(
        n, union_chief, make.user("recorder", roles=["delegate"], enterprise=enterprise)
    )
    ops.start_talks(n, union_chief)
    round_ = ops.schedule_round(n, union_chief, datetime(2026, 6, 10, 2, tzinfo=UTC), "会议室")
    grid = ops.submit_proposal(round_, union_chief, grid_rows(100_00))
    item = ops.add_item(n, union_chief, "高温津贴", "6至9月发放高温津贴。")
    return {
        "negotiation_id": n.id,
        "round_id": round_.id,
        "grid_id": grid.id,
        "representative_id": n.active_representatives("union")[1].id,
        "item_id": item.id,
    }


def _closed_motion(make, enterprise) -> dict:
    """A congress in session whose motion was voted and closed (its results are readable);
    the member is no delegate of it."""
    from datetime import UTC, date, datetime

    from app.congress import operations as ops
    from app.congress.models import Congress, CongressSession, Delegate
    from app.extensions import db

    secretary = make.user("vote-secretary", roles=["congress_secretary"], enterprise=enterprise)
    voters = [make.user(f"voter{i}", roles=["delegate"], enterprise=enterprise) for i in range(3)]
    congress = Congress(
        enterprise_id=enterprise.id,
        name="职代会",
        term_start=date(2025, 1, 1),
        term_end=date(2029, 12, 31),
    )
    congress.delegates = [
        Delegate(
            user_id=u.id, employee_no=f"V{i}", name=u.full_name, constituency="一", gender="male"
        )
        for i, u in enumerate(voters)
    ]
    session = CongressSession(
        congress=congress,
        title="会议",
        place="礼堂",
        scheduled_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    db.session.add_all([congress, session])
    db.session.flush()
    ops.open_session(session, secretary)
    for voter in voters:
        ops.check_in(session, voter, code=session.checkin_code)
    motion = ops.create_motion(session, secretary, title="议案", items=[("一", "")])
    ops.open_voting(motion, secretary)
    ops.cast_ballot(motion, voters[0], {1: "yes"})
    ops.close_voting(motion, secretary)
    return {
        "motion_id": motion.id,
        "session_id": session.id,
        "congress_id": congress.id,
        "delegate_id": congress.delegates[0].id,
    }


def _contract(negotiation_id: int, grid_id: int, enterprise) -> dict:
    """A contract waiting for signatures; its "PDF" is a stand-in that is served, never parsed."""
    import hashlib

    from app.contracts.models import Contract, ContractRevision
    from app.extensions import db

    pdf = b"%PDF-1.7\n%%EOF\n"
    contract = Contract(
        negotiation_id=negotiation_id,
        enterprise_id=enterprise.id,
        grid_id=grid_id,
        verification_code="MTRX-2345-6789",
        term_years=1,
    )
    contract.revisions = [
        ContractRevision(number=0, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf)
    ]
    db.session.add(contract)
    db.session.flush()
    return {
        "contract_id": contract.id,
        "revision_number": 0,
        "number": 0,
        "code": contract.verification_code,
    }


def url_for_rule(rule, world) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world[m.group(1)]), rule.rule)


def call(client, method, url, headers=None):
    return client.open(
        url,
        method=method,
        headers=headers or {},
        json={} if url.startswith("/api/") and method != "GET" else None,
    )


def test_every_route_is_classified(app):
    unclassified = {rule.endpoint for rule, _m in routes(app)} - CLASSIFIED
    assert not unclassified, f"classify these routes in the access matrix: {unclassified}"


def test_anonymous_is_sent_to_sign_in_or_gets_401(app, client, world):
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC:
            continue
        url = url_for_rule(rule, world)
        response = call(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
            assert response.json["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login?next="), (method, url)


@pytest.mark.parametrize("api", [False, True], ids=["web", "api"])
def test_outsider_gets_404_and_wrong_role_403(app, client, world, auth, api_token, api):
    for visitor, expected in (
        ("outsider", {"enterprise": 404, "admin": 403}),
        ("member", {"enterprise": None, "admin": 403}),
    ):
        user = world[visitor]
        headers = api_token(user) if api else None
        if not api:
            auth.login(user)
        for rule, method in routes(app):
            if rule.endpoint in PUBLIC:
                continue
            url = url_for_rule(rule, world)
            if url.startswith("/api/") != api:
                continue
            endpoint = rule.endpoint
            if endpoint in ENTERPRISE:
                want = expected["enterprise"]
            elif endpoint in ENTERPRISE_ADMIN | ENTERPRISE_ACTION:
                want = expected["enterprise"] or 403
            elif endpoint in ADMIN:
                want = 403
            elif endpoint in OWN_TOKEN:
                want = 404
            else:
                continue
            response = call(client, method, url, headers)
            if want is None:
                assert response.status_code == 200, (visitor, method, url)
            else:
                assert response.status_code == want, (visitor, method, url)
                if api:
                    assert set(response.json["error"]) == {"code", "message", "details"}
        if not api:
            auth.logout()


# A labour officer of the enterprise's region (劳动行政部门) sees what review and coordination
# need, nothing more (集体合同规定 Art 42-52): the enterprise's page and its filtered lists; a
# contract once it is filed with them, with the congress's vote that made it; a negotiation once it
# is theirs to coordinate (a side asked, or the request went unanswered past its deadline). Never
# the people, the roster, the sittings or the history.
OFFICER_ALWAYS = {
    "orgs.enterprise",
    "api_orgs.get_enterprise",
    "api_negotiations.list_enterprise_negotiations",
    "api_contracts.list_enterprise_contracts",
}
OFFICER_ONCE_FILED = {
    "contracts.show",
    "contracts.contract_pdf",
    "contracts.revision_pdf",
    "api_contracts.get_contract",
    "api_contracts.get_pdf",
    "api_contracts.get_revision_pdf",
    # the vote record: the motion that made the contract and its counts
    "congress.show_motion",
    "congress.results",
    "congress.results_xlsx",
    "congress.resolution",
    "api_congress.get_motion",
    "api_congress.get_results",
}
OFFICER_ONCE_IN_DISPUTE = {
    "negotiations.show",
    "negotiations.show_round",
    "negotiations.comparison",
    "negotiations.draft",
    "api_negotiations.get_negotiation",
    "api_negotiations.list_representatives",
    "api_negotiations.get_round",
    "api_negotiations.comparison",
    "api_contracts.list_negotiation_contracts",
}
OFFICER_NEVER = ENTERPRISE - OFFICER_ALWAYS - OFFICER_ONCE_FILED - OFFICER_ONCE_IN_DISPUTE


def test_the_officer_lists_are_enterprise_routes():
    assert OFFICER_ALWAYS | OFFICER_ONCE_FILED | OFFICER_ONCE_IN_DISPUTE <= ENTERPRISE
    assert {
        "api_orgs.list_memberships",
        "api_audit.enterprise_history",
        "congress.show",
        "congress.show_session",
        "api_congress.list_delegates",
        "api_negotiations.get_current_grid",
    } <= OFFICER_NEVER


def _officer_statuses(app, client, world, headers) -> dict[str, int]:
    statuses = {}
    for rule, method in routes(app):
        if rule.endpoint in ENTERPRISE and method == "GET":
            url = url_for_rule(rule, world)
            statuses[rule.endpoint] = call(
                client, method, url, headers if url.startswith("/api/") else None
            ).status_code
    return statuses


@pytest.mark.parametrize("came_to_them", ["dispute_started_on", "overdue_flagged_at"])
def test_a_labour_officer_sees_what_review_and_coordination_need(
    app, client, world, make, auth, api_token, db_session, came_to_them
):
    from sqlalchemy import select

    from app.auth.models import User
    from app.contracts.models import Contract
    from app.extensions import db
    from app.negotiations.models import Negotiation
    from app.orgs.models import Enterprise

    region = db.session.get(Enterprise, world["enterprise_id"]).region
    officer = make.user("officer", global_role="labour_officer", region=region)
    headers = api_token(officer)
    auth.login(officer)

    def wanted(visible: set[str]) -> dict[str, int]:
        return {endpoint: 200 if endpoint in visible else 404 for endpoint in statuses}

    def listed(url: str, key: str = "id") -> list[int]:
        body = client.get(url, headers=headers).json
        return [row[key] for row in body]

    # Nothing filed, nothing in dispute: the enterprise's page and empty lists.
    statuses = _officer_statuses(app, client, world, headers)
    assert statuses == wanted(OFFICER_ALWAYS)
    enterprise_url = f"/api/v1/enterprises/{world['enterprise_id']}"
    assert listed(f"{enterprise_url}/negotiations") == []
    assert listed(f"{enterprise_url}/contracts") == []
    page = client.get(f"/enterprises/{world['enterprise_id']}").get_data(as_text=True)
    assert world["outsider"].full_name not in page
    for name in ("union1", "employer0", "vote-secretary"):  # the people are not listed
        assert db.session.scalar(select(User.full_name).where(User.username == name)) not in page
    assert f"/enterprises/{world['enterprise_id']}/congress" not in page
    assert "本企业尚无提请您协调处理的集体协商" in page  # not "no negotiation yet": there is one

    # Filed with them: the contract and the vote that made it.
    contract = db.session.get(Contract, world["contract_id"])
    contract.filed_on, contract.motion_id = contract.created_at.date(), world["motion_id"]
    db.session.commit()
    statuses = _officer_statuses(app, client, world, headers)
    assert statuses == wanted(OFFICER_ALWAYS | OFFICER_ONCE_FILED)
    assert listed(f"{enterprise_url}/contracts") == [world["contract_id"]]
    page = client.get(f"/contracts/{world['contract_id']}").get_data(as_text=True)
    assert f'/negotiations/{world["negotiation_id"]}"' not in page  # not linked: not theirs
    assert f"/motions/{world['motion_id']}/results" in page

    # A side asked them to coordinate, or the request went unanswered past its deadline (Art
    # 49: they may step in on their own): the negotiation too.
    negotiation = db.session.get(Negotiation, world["negotiation_id"])
    setattr(negotiation, came_to_them, contract.created_at)
    db.session.commit()
    statuses = _officer_statuses(app, client, world, headers)
    assert statuses == wanted(OFFICER_ALWAYS | OFFICER_ONCE_FILED | OFFICER_ONCE_IN_DISPUTE)
    assert listed(f"{enterprise_url}/negotiations") == [world["negotiation_id"]]
    assert [n["id"] for n in client.get("/api/v1/negotiations", headers=headers).json] == [
        world["negotiation_id"]
    ]


def test_an_officer_of_another_region_sees_nothing(app, client, world, make, api_token, db_session):
    from app.contracts.models import Contract
    from app.extensions import db

    contract = db.session.get(Contract, world["contract_id"])
    contract.filed_on, contract.motion_id = contract.created_at.date(), world["motion_id"]
    db.session.commit()
    officer = make.user("elsewhere", global_role="labour_officer", region=make.region())
    statuses = _officer_statuses(app, client, world, api_token(officer))
    assert {s for e, s in statuses.items() if e.startswith("api_")} == {404}
