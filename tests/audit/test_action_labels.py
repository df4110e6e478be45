"""Every action the audit log can hold reads as words in a history list, not as its key."""

import ast
from pathlib import Path

from flask_babel import force_locale

from app.audit.operations import ACTION_LABELS, action_label
from workflows import congress, contract, negotiation

APP = Path(__file__).resolve().parents[2] / "app"


def recorded_actions() -> set[str]:
    """The literal actions of every `record(subject, "action", …)` call in the app, and every
    workflow trigger (operations record a transition under its trigger's name)."""
    actions = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                actions.add(node.args[1].value)
    rows = (
        negotiation.TRANSITIONS
        + congress.SESSION_TRANSITIONS
        + congress.MOTION_TRANSITIONS
        + contract.TRANSITIONS
    )
    return actions | {row["trigger"] for row in rows}


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert {"sign", "open_voting", "send_request", "roster_imported"} <= actions  # the scan works
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_labels_are_translated(app):
    with app.test_request_context(), force_locale("zh"):
        untranslated = [
            a for a in ACTION_LABELS if action_label(a) == str(ACTION_LABELS[a]._args[0])
        ]
    assert untranslated == []
