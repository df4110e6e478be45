"""The audit log (DESIGN §8): one hash chain per subject, and verification that names the first
broken link in Python, on the command line, in the API and on the admin pages."""

import sqlalchemy as sa
from flask_babel import force_locale

from app.audit.models import GENESIS, AuditEvent
from app.audit.operations import action_label, history, record, verify_chains
from app.auth import operations as auth_operations
from app.extensions import db


def tamper(event_id: int, **values) -> None:
    """Change a stored event behind the application's back, as someone with database access."""
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == event_id).values(**values),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()


def remove(event_id: int) -> None:
    db.session.execute(
        sa.delete(AuditEvent).where(AuditEvent.id == event_id),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()


def chain_of_three(make):
    """A region whose chain holds its creation and two more events: seq 1, 2, 3."""
    region = make.region()
    record(region, "checked", data={"note": "第一次"})
    record(region, "checked", data={"note": "second", "amount_fen": 249000})
    return region, history(region)


def test_record_numbers_a_subjects_events_and_links_each_to_the_one_before(make):
    region, events = chain_of_three(make)
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.action for e in events] == ["region_created", "checked", "checked"]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert all(e.hash == e.compute_hash() for e in events)
    assert len({e.hash for e in events}) == 3


def test_each_subject_has_its_own_chain(make):
    first, second = make.region(), make.region()
    record(first, "checked")
    record(second, "checked")
    record(first, "checked")
    assert [e.seq for e in history(first)] == [1, 2, 3]
    assert [e.seq for e in history(second)] == [1, 2]
    assert history(second)[0].prev_hash == GENESIS
    assert {e.subject_id for e in history(second)} == {second.id}


def test_record_keeps_the_actor_and_the_state_change(make):
    admin = make.admin()
    region = make.region()
    event = record(
        region,
        "moved",
        admin,
        from_state="draft",
        to_state="requested",
        data={"reason": "书面要约"},
    )
    db.session.expire_all()
    stored = history(region)[-1]
    assert stored.id == event.id
    assert (stored.actor.username, stored.from_state, stored.to_state, stored.data) == (
        admin.username,
        "draft",
        "requested",
        {"reason": "书面要约"},
    )


def test_verify_finds_intact_chains_after_reading_them_back(make):
    chain_of_three(make)
    make.enterprise()
    db.session.expire_all()  # compare the hashes of what the database gives back
    checked, broken = verify_chains()
    assert broken is None
    assert checked == db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert checked >= 5


def test_verify_names_the_edited_event(make):
    region, events = chain_of_three(make)
    tamper(events[1].id, data={"note": "edited"})
    _checked, broken = verify_chains()
    assert broken is not None
    assert (broken.subject_type, broken.subject_id, broken.seq, broken.event_id) == (
        "regions",
        region.id,
        2,
        events[1].id,
    )
    assert "edited" in broken.reason
    assert str(broken).startswith(f"regions#{region.id} event 2 ")


def test_verify_names_the_next_event_when_the_edited_one_got_a_new_hash(make):
    region, events = chain_of_three(make)
    columns = [c.key for c in sa.inspect(AuditEvent).column_attrs]
    forged = AuditEvent(**{key: getattr(events[1], key) for key in columns})
    forged.data = {"note": "edited"}
    tamper(forged.id, data=forged.data, hash=forged.compute_hash())
    _checked, broken = verify_chains()
    assert broken is not None
    assert (broken.subject_id, broken.seq) == (region.id, 3)
    assert "previous-hash" in broken.reason


def test_verify_notices_a_deleted_event(make):
    region, events = chain_of_three(make)
    remove(events[1].id)
    _checked, broken = verify_chains()
    assert broken is not None
    assert (broken.subject_type, broken.subject_id, broken.seq) == ("regions", region.id, 3)
    assert "from 1 to 3" in broken.reason
    assert "removed" in broken.reason


def test_cli_audit_verify_reports_an_intact_log(runner, make):
    chain_of_three(make)
    result = runner.invoke(args=["accord", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 3 events verified." in result.output


def test_cli_audit_verify_exits_1_and_names_the_broken_link(runner, make):
    region, events = chain_of_three(make)
    tamper(events[2].id, action="approved")
    result = runner.invoke(args=["accord", "audit", "verify"])
    assert result.exit_code == 1
    assert f"regions#{region.id} event 3 (id {events[2].id})" in result.stderr
    assert "BROKEN" in result.stderr


def test_api_verify_reports_tampering_to_the_admin(client, make, api_token):
    admin = make.admin()
    headers = api_token(admin)
    region, events = chain_of_three(make)

    response = client.get("/api/v1/audit/verify", headers=headers)
    assert response.status_code == 200
    assert response.json["intact"] is True
    assert response.json["first_broken_link"] is None

    tamper(events[0].id, data={"code": "forged"})
    response = client.get("/api/v1/audit/verify", headers=headers)
    assert response.status_code == 200
    assert response.json["intact"] is False
    assert response.json["first_broken_link"].startswith(f"regions#{region.id} event 1 ")
    assert response.json["events_checked"] >= 1


def test_api_verify_is_forbidden_to_other_users(client, make, api_token):
    enterprise = make.enterprise()
    member = make.user(roles=["union_rep"], enterprise=enterprise)
    response = client.get("/api/v1/audit/verify", headers=api_token(member))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert response.json["error"]["message"]
    assert set(response.json["error"]) == {"code", "message", "details"}


def test_admin_enterprise_page_shows_its_history_newest_first(client, make, login_as):
    admin = make.admin(full_name="管理员甲", locale="en")
    enterprise = make.enterprise()
    member = make.user()
    auth_operations.add_membership(member, enterprise, "delegate", admin)
    login_as(admin)
    page = client.get(f"/admin/enterprises/{enterprise.id}").get_data(as_text=True)
    history_list = page[page.index('class="history"') :]
    with force_locale("en"):
        added, created = action_label("membership_added"), action_label("enterprise_created")
    assert f"{added} — 管理员甲" in history_list
    assert created in history_list
    assert history_list.index(added) < history_list.index(created)


def test_api_enterprise_history_lists_the_chain(client, make, api_token):
    admin = make.admin()
    enterprise = make.enterprise()
    auth_operations.add_membership(make.user(), enterprise, "delegate", admin)
    response = client.get(f"/api/v1/enterprises/{enterprise.id}/history", headers=api_token(admin))
    assert response.status_code == 200
    assert [(e["seq"], e["action"], e["actor"]) for e in response.json] == [
        (1, "enterprise_created", None),
        (2, "membership_added", admin.username),
    ]
