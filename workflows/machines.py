"""What every workflow module does alike. Its transition rows carry a "roles" entry beside what
the `transitions` library reads: these helpers split the two, list what some roles may fire
from a state, and fire a trigger with the module's own words for a refusal."""

from collections.abc import Iterable, Mapping

from transitions import Machine
from transitions.core import MachineError

from workflows.errors import TransitionNotAllowed

RoleTable = dict[tuple[str, str], frozenset[str]]


def machine_rows(rows: Iterable[dict]) -> list[dict]:
    """The rows as the `transitions` Machine takes them (without "roles")."""
    return [{k: v for k, v in row.items() if k != "roles"} for row in rows]


def _sources(row: dict) -> list[str]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


def role_table(rows: Iterable[dict]) -> RoleTable:
    """(trigger, source state) → the roles that may fire it from there."""
    return {(row["trigger"], source): row["roles"] for row in rows for source in _sources(row)}


def roles_by_trigger(table: RoleTable) -> dict[str, frozenset[str]]:
    """Everyone who may fire each trigger from some state, in the rows' order."""
    triggers = dict.fromkeys(trigger for trigger, _ in table)
    return {
        trigger: frozenset().union(*(roles for (t, _), roles in table.items() if t == trigger))
        for trigger in triggers
    }


def allowed(machine: Machine, table: RoleTable, state: str, roles: set[str]) -> list[str]:
    """The triggers valid from `state` that one of `roles` may fire, in the rows' order.
    Guards are not evaluated: an allowed trigger may still be refused with its reason."""
    empty: frozenset[str] = frozenset()
    return [t for t in machine.get_triggers(state) if table.get((t, state), empty) & roles]


def fire_on(
    machine: Machine,
    obj,
    trigger: str,
    refusal: str,
    action_labels: Mapping[str, str],
    state_labels: Mapping[str, str],
    /,
    **kwargs,
) -> None:
    """Fire `trigger` of `machine` on `obj` (any object with a `state` attribute). When the
    trigger is not valid in the state or a guard fails, the state is unchanged: a guard's own
    TransitionNotAllowed comes through, otherwise `refusal` (with %(action)s and %(state)s) is
    raised as one."""
    try:
        machine.events[trigger].trigger(obj, **kwargs)
    except MachineError:
        raise TransitionNotAllowed(
            refusal, action=action_labels[trigger], state=state_labels[obj.state]
        ) from None
