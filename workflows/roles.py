"""Who may fire what: each workflow's transition rows carry a "roles" entry beside what the
`transitions` library reads. These helpers split the two, for every workflow module alike."""

from collections.abc import Iterable


def machine_rows(rows: Iterable[dict]) -> list[dict]:
    """The rows as the `transitions` Machine takes them (without "roles")."""
    return [{k: v for k, v in row.items() if k != "roles"} for row in rows]


def _sources(row: dict) -> list[str]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


def role_table(rows: Iterable[dict]) -> dict[tuple[str, str], frozenset[str]]:
    """(trigger, source state) → the roles that may fire it from there."""
    return {(row["trigger"], source): row["roles"] for row in rows for source in _sources(row)}


def roles_by_trigger(table: dict[tuple[str, str], frozenset[str]]) -> dict[str, frozenset[str]]:
    """Everyone who may fire each trigger from some state, in the rows' order."""
    triggers = dict.fromkeys(trigger for trigger, _ in table)
    return {
        trigger: frozenset().union(*(roles for (t, _), roles in table.items() if t == trigger))
        for trigger in triggers
    }
