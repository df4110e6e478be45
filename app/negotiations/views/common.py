"""What every negotiation page shares: the blueprint, rendering with the workflow's labels,
what the user may do now, and the redirect after an action."""

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from app.negotiations.access import roles_of
from app.negotiations.models import Negotiation
from app.pages import renderer
from workflows import negotiation as workflow
from workflows import rules
from workflows.negotiation import WORKFLOW

bp = Blueprint("negotiations", __name__)


@bp.app_template_filter("format_yuan")
def format_yuan_filter(fen) -> str:
    return rules.format_yuan(int(fen))


_render = renderer(STATE_LABELS=workflow.STATE_LABELS, ACTION_LABELS=workflow.ACTION_LABELS)


def _may(negotiation: Negotiation) -> dict[str, bool]:
    """Which of the workflow's activities the user may take now (the pages' links and forms);
    each operation checks again."""
    roles = roles_of(current_user, negotiation)
    return {
        action: WORKFLOW.permits(action, negotiation.state, roles) for action in WORKFLOW.activities
    }


def _done(negotiation: Negotiation, message: str):
    flash(message, "success")
    return redirect(url_for("negotiations.show", negotiation_id=negotiation.id))


@dataclass(frozen=True)
class Acceptance:
    side: str
    grid_label: str | None  # None: nothing accepted
    revision: int | None
    current: bool  # False: the clauses changed since, the acceptance lapsed


def _acceptances(negotiation: Negotiation, columns) -> list[Acceptance]:
    labels = {c.grid.id: c.label for c in columns}
    result = []
    for side in rules.SIDES:
        grid_id = getattr(negotiation, f"{side}_accepted_grid_id")
        revision = getattr(negotiation, f"{side}_accepted_revision")
        result.append(
            Acceptance(
                side,
                labels.get(grid_id) if grid_id else None,
                revision,
                revision == negotiation.revision,
            )
        )
    return result
