"""The application's half of the rulebook (`workflows.machines.Workflow`): the one lock and the
one transition that every domain's operations use. Who may act is each domain's `access.py`
(`roles_of`, `require`); what those roles may do now is the workflow's."""

from sqlalchemy import select

from app.audit.operations import record
from app.errors import Conflict, NotPermitted, translate
from app.extensions import db
from workflows.errors import RoleNotAllowed, TransitionNotAllowed
from workflows.machines import Workflow


def check(workflow: Workflow, action: str, state: str, roles: set[str], **data) -> None:
    """`workflow.check`, in the application's errors: a role's refusal is a 403 (NotPermitted),
    an activity refused in this state or by its guard a 409 (Conflict); a trigger's refusal
    stays the workflow's own (a 409 too)."""
    try:
        workflow.check(action, state, roles, **data)
    except RoleNotAllowed as refused:
        raise NotPermitted(translate(refused.message)) from None
    except TransitionNotAllowed as refused:
        if action not in workflow.activities:
            raise
        raise Conflict(translate(refused.message)) from None


def check_role(workflow: Workflow, action: str, roles: set[str]) -> None:
    """`workflow.check_role`, refused as the application's 403 (NotPermitted)."""
    try:
        workflow.check_role(action, roles)
    except RoleNotAllowed as refused:
        raise NotPermitted(translate(refused.message)) from None


def lock(obj, *, share: bool = False):
    """Re-read `obj`'s row under FOR UPDATE (FOR SHARE with `share`) on PostgreSQL, so two
    requests cannot both move it from the same state; SQLite serialises writers anyway."""
    model = type(obj)
    return db.session.scalars(
        select(model)
        .where(model.id == obj.id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    ).one()


def transition(
    obj,
    workflow: Workflow,
    trigger: str,
    actor,
    roles: set[str],
    *,
    data: dict | None = None,
    **guard_kwargs,
) -> None:
    """Fire `trigger` on `obj` (locked by the caller) for `actor`, who holds `roles` (the
    system, when `actor` is None, may fire what the workflow gives "system"), then write its
    audit event. A role that may not fire it is refused (403), a state or a guard that does not
    fit too (409); either way nothing changes."""
    check(workflow, trigger, obj.state, roles)
    before = obj.state
    workflow.fire(obj, trigger, **guard_kwargs)
    db.session.flush()
    record(obj, trigger, actor, from_state=before, to_state=obj.state, data=data)
