"""API: negotiations (集体协商) from the written request to the agreed draft — every action of the
workflow, the representatives, rounds, draft items and wage grids (能级工资表).

Each handler loads what its path names (404 when it is missing or not visible) and checks who
acts (403) before the body is validated, then calls one operation; the request commits once.
"""

from collections.abc import Callable

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.api.common import Blueprint, error_responses, loader
from app.auth import operations as auth_operations
from app.auth.models import User
from app.errors import InvalidInput
from app.extensions import db
from app.negotiations import operations as ops
from app.negotiations import queries
from app.negotiations.access import (
    get_item_or_404,
    get_negotiation_or_404,
    get_representative_or_404,
    get_round_or_404,
    require_enterprise_side,
    require_role,
    visible_negotiations_query,
)
from app.negotiations.models import Negotiation
from app.negotiations.schemas import (
    AbandonSchema,
    AcceptProposalSchema,
    AcceptRequestSchema,
    ClausesSchema,
    DisputeExtensionSchema,
    DraftItemSchema,
    GridRowsSchema,
    GridSchema,
    ItemCreateSchema,
    ItemUpdateSchema,
    MinutesSchema,
    NegotiationCreateSchema,
    NegotiationSchema,
    NegotiationSummarySchema,
    NegotiationUpdateSchema,
    ProposalCreateSchema,
    RecorderChoiceSchema,
    RefusalSchema,
    RepresentativeCreateSchema,
    RepresentativeSchema,
    RoundCreateSchema,
    RoundSchema,
    SuspensionSchema,
)
from app.orgs.access import get_enterprise_or_404, get_enterprise_work_or_404
from app.wage_grids import operations as wage_grids
from app.wage_grids.access import require_grid_keeper
from app.wage_grids.models import WageGrid
from app.wage_grids.queries import current_grid
from workflows import rules

blp = Blueprint(
    "api_negotiations",
    __name__,
    description="Negotiations: request, representatives, rounds, grids and draft",
)


# --- loading and who may act ------------------------------------------------------------------


def _negotiation_of(part):
    return part.negotiation


with_enterprise = loader("enterprise_id", "enterprise", get_enterprise_or_404)
with_enterprise_work = loader("enterprise_id", "enterprise", get_enterprise_work_or_404)
with_negotiation = loader("negotiation_id", "negotiation", get_negotiation_or_404)
with_round = loader("round_id", "round_", get_round_or_404, _negotiation_of)
with_representative = loader(
    "representative_id", "representative", get_representative_or_404, _negotiation_of
)
with_item = loader("item_id", "item", get_item_or_404, _negotiation_of)


def may(action: str) -> Callable:
    """Whoever the workflow lets take `action` in some state (403 otherwise, before the body is
    read); the state is judged by the operation."""
    return lambda negotiation: require_role(negotiation, current_user, action)


def enterprise_side_representative(enterprise) -> None:
    require_enterprise_side(current_user, enterprise)


def grid_keeper(enterprise) -> None:
    require_grid_keeper(current_user, enterprise)


fails_with = error_responses(blp)


def _member(negotiation: Negotiation, username: str) -> User:
    """A member of the negotiating enterprise, named by username; nobody else is revealed."""
    user = auth_operations.find_user(username.strip())
    if user is None or negotiation.enterprise_id not in user.enterprise_ids:
        raise InvalidInput(
            "username",
            _("No member of this enterprise has the username %(username)s.", username=username),
        )
    return user


def _grade_rows(rows: list[dict]) -> list[rules.GradeRow]:
    return [
        rules.GradeRow(r["grade"], r["base_fen"], r["allowance_fen"], r["headcount"]) for r in rows
    ]


def _page(query: Select, pagination_parameters) -> list:
    """The page asked for; past the last, an empty one (as flask-smorest documents), without
    asking the database for an offset it may not hold (SQLite's is 64-bit: a 500)."""
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    if pagination_parameters.first_item >= pagination_parameters.item_count:
        return []
    return db.session.scalars(
        query.options(joinedload(Negotiation.enterprise))  # each row names its enterprise
        .offset(pagination_parameters.first_item)
        .limit(pagination_parameters.page_size)
    ).all()


# --- negotiations and the written request (要约书) --------------------------------------------


@blp.get("/negotiations")
@blp.response(200, NegotiationSummarySchema(many=True))
@blp.paginate()
def list_negotiations(pagination_parameters):
    """The negotiations of every enterprise this user sees, newest first."""
    return _page(visible_negotiations_query(current_user), pagination_parameters)


@blp.get("/enterprises/<int:enterprise_id>/negotiations")
@with_enterprise()
@fails_with(404)
@blp.response(200, NegotiationSummarySchema(many=True))
@blp.paginate()
def list_enterprise_negotiations(pagination_parameters, enterprise):
    query = visible_negotiations_query(current_user).where(
        Negotiation.enterprise_id == enterprise.id
    )
    return _page(query, pagination_parameters)


@blp.post("/enterprises/<int:enterprise_id>/negotiations")
@with_enterprise(enterprise_side_representative)
@fails_with(403, 404)
@blp.arguments(NegotiationCreateSchema)
@blp.response(201, NegotiationSchema)
def open_negotiation(data, enterprise):
    """Open a negotiation with its written request, as a draft (集体合同规定 Art 32)."""
    return ops.open_negotiation(enterprise, current_user, **data)


@blp.get("/negotiations/<int:negotiation_id>")
@with_negotiation()
@fails_with(404)
@blp.response(200, NegotiationSchema)
def get_negotiation(negotiation):
    return negotiation


@blp.patch("/negotiations/<int:negotiation_id>")
@with_negotiation(may("edit_request"))
@fails_with(403, 404, 409)
@blp.arguments(NegotiationUpdateSchema)
@blp.response(200, NegotiationSchema)
def update_request(data, negotiation):
    """Change the request while it is a draft."""
    values = {
        "subject": negotiation.subject,
        "term_years": negotiation.term_years,
        "topics": negotiation.topics,
        "proposed_at": negotiation.proposed_at,
        "proposed_place": negotiation.proposed_place,
        **data,
    }
    ops.update_request(negotiation, current_user, **values)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/send-request")
@with_negotiation(may("send_request"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def send_request(negotiation):
    """Send the request; the written response is due in 20 days (集体合同规定 Art 32)."""
    ops.send_request(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/accept")
@with_negotiation(may("accept"))
@fails_with(403, 404, 409)
@blp.arguments(AcceptRequestSchema)
@blp.response(200, NegotiationSchema)
def accept_request(data, negotiation):
    """Accept the request in writing, adding the responding side's topics."""
    ops.accept_request(negotiation, current_user, data["topics"])
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/refuse")
@with_negotiation(may("refuse"))
@fails_with(403, 404, 409)
@blp.arguments(RefusalSchema)
@blp.response(200, NegotiationSchema)
def refuse_request(data, negotiation):
    """Refuse the request with its reason; the requesting side may then escalate."""
    ops.refuse_request(negotiation, current_user, data["reason"])
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/escalate")
@with_negotiation(may("escalate"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def escalate(negotiation):
    """Ask for dispute coordination (集体合同规定 Art 49-52)."""
    ops.escalate(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/withdraw")
@with_negotiation(may("withdraw"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def withdraw(negotiation):
    ops.withdraw(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/start-talks")
@with_negotiation(may("start_talks"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def start_talks(negotiation):
    """Start the talks once the representatives and the recorder are ready (Art 19-24, 33)."""
    ops.start_talks(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/suspension")
@with_negotiation(may("propose_suspension"))
@fails_with(403, 404, 409)
@blp.arguments(SuspensionSchema)
@blp.response(200, NegotiationSchema)
def propose_suspension(data, negotiation):
    """Propose to suspend the talks until a date; the other side confirms (Art 35)."""
    ops.propose_suspension(negotiation, current_user, data["resume_on"])
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/suspension/confirm")
@with_negotiation(may("suspend"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def confirm_suspension(negotiation):
    ops.confirm_suspension(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/resume")
@with_negotiation(may("resume"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def resume(negotiation):
    ops.resume(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/dispute/extend")
@with_negotiation(may("extend_dispute"))
@fails_with(403, 404, 409)
@blp.arguments(DisputeExtensionSchema)
@blp.response(200, NegotiationSchema)
def extend_dispute(data, negotiation):
    """Extend the coordination once, by at most 15 days (集体合同规定 Art 52)."""
    ops.extend_dispute(negotiation, current_user, data["days"])
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/dispute/resolve")
@with_negotiation(may("resolve_dispute"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def resolve_dispute(negotiation):
    """The dispute is settled: back to the talks."""
    ops.resolve_dispute(negotiation, current_user)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/abandon")
@with_negotiation(may("abandon"))
@fails_with(403, 404, 409)
@blp.arguments(AbandonSchema)
@blp.response(200, NegotiationSchema)
def abandon(data, negotiation):
    ops.abandon(negotiation, current_user, data["reason"])
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/reopen")
@with_negotiation(may("reopen"))
@fails_with(403, 404, 409)
@blp.response(200, NegotiationSchema)
def reopen(negotiation):
    """Withdraw the acceptances before the congress votes: back to the talks."""
    ops.reopen(negotiation, current_user)
    return negotiation


@blp.put("/negotiations/<int:negotiation_id>/clauses")
@with_negotiation(may("edit_clauses"))
@fails_with(403, 404, 409)
@blp.arguments(ClausesSchema)
@blp.response(200, NegotiationSchema)
def update_clauses(data, negotiation):
    """Set the term, the annual adjustment rule and the pay day; both acceptances lapse."""
    ops.update_clauses(negotiation, current_user, **data)
    return negotiation


@blp.post("/negotiations/<int:negotiation_id>/accept-proposal")
@with_negotiation(may("accept_proposal"))
@fails_with(403, 404, 409)
@blp.arguments(AcceptProposalSchema)
@blp.response(200, NegotiationSchema)
def accept_proposal(data, negotiation):
    """Accept a proposal with the clauses as they stand; when the other side accepted the same,
    the draft is agreed (集体合同规定 Art 34)."""
    grid = db.session.get(WageGrid, data["grid_id"])
    if grid is None or grid.negotiation_id != negotiation.id:
        raise InvalidInput("grid_id", _("That grid is not a proposal of this negotiation."))
    ops.accept_proposal(negotiation, current_user, grid, side=data["side"])
    return negotiation


# --- representatives (协商代表) and the recorder (记录员) ---------------------------------------


@blp.get("/negotiations/<int:negotiation_id>/representatives")
@with_negotiation()
@fails_with(404)
@blp.response(200, RepresentativeSchema(many=True))
def list_representatives(negotiation):
    """Every representative, those who left included (with the day they left)."""
    return negotiation.representatives


@blp.post("/negotiations/<int:negotiation_id>/representatives")
@with_negotiation(may("appoint"))
@fails_with(403, 404, 409)
@blp.arguments(RepresentativeCreateSchema)
@blp.response(201, RepresentativeSchema)
def appoint_representative(data, negotiation):
    """Appoint a representative of your side (集体合同规定 Art 19-24)."""
    username = data.pop("username")
    user = _member(negotiation, username) if username else None
    return ops.appoint_representative(negotiation, current_user, user=user, **data)


@blp.post("/representatives/<int:representative_id>/vacate")
@with_representative(may("vacate"))
@fails_with(403, 404, 409)
@blp.response(200, RepresentativeSchema)
def vacate_representative(representative):
    """The seat falls vacant; it is refilled within 15 days (集体合同规定 Art 31)."""
    ops.vacate_representative(representative, current_user)
    return representative


@blp.put("/negotiations/<int:negotiation_id>/recorder")
@with_negotiation(may("set_recorder"))
@fails_with(403, 404, 409)
@blp.arguments(RecorderChoiceSchema)
@blp.response(200, NegotiationSchema)
def set_recorder(data, negotiation):
    """Name the neutral recorder, a member who represents neither side (集体合同规定 Art 33)."""
    ops.set_recorder(negotiation, current_user, _member(negotiation, data["username"]))
    return negotiation


# --- rounds (协商会议) -------------------------------------------------------------------------


@blp.post("/negotiations/<int:negotiation_id>/rounds")
@with_negotiation(may("schedule_round"))
@fails_with(403, 404, 409)
@blp.arguments(RoundCreateSchema)
@blp.response(201, RoundSchema)
def schedule_round(data, negotiation):
    """Hold a new round; the chiefs chair in turn (集体合同规定 Art 34)."""
    return ops.schedule_round(negotiation, current_user, data["held_at"], data["place"])


@blp.get("/rounds/<int:round_id>")
@with_round()
@fails_with(404)
@blp.response(200, RoundSchema)
def get_round(round_):
    return round_


@blp.put("/rounds/<int:round_id>/minutes")
@with_round(may("write_minutes"))
@fails_with(403, 404, 409)
@blp.arguments(MinutesSchema)
@blp.response(200, RoundSchema)
def write_minutes(data, round_):
    """The recorder writes the minutes; a change voids the chiefs' confirmations."""
    ops.write_minutes(round_, current_user, data["minutes"])
    return round_


@blp.post("/rounds/<int:round_id>/confirm")
@with_round()
@fails_with(403, 404, 409)
@blp.response(200, RoundSchema)
def confirm_minutes(round_):
    """A chief representative confirms the minutes for their side."""
    ops.confirm_minutes(round_, current_user)
    return round_


@blp.post("/rounds/<int:round_id>/proposals")
@with_round(may("propose"))
@fails_with(403, 404, 409)
@blp.arguments(ProposalCreateSchema)
@blp.response(201, GridSchema)
def submit_proposal(data, round_):
    """Your side's wage-grid proposal in this round, with its costing against the current grid."""
    grid = ops.submit_proposal(
        round_, current_user, _grade_rows(data["rows"]), data["note"], side=data["side"]
    )
    return next(c for c in queries.comparison(round_.negotiation) if c.grid.id == grid.id)


# --- the draft's items (草案条款) --------------------------------------------------------------


@blp.post("/negotiations/<int:negotiation_id>/items")
@with_negotiation(may("edit_clauses"))
@fails_with(403, 404, 409)
@blp.arguments(ItemCreateSchema)
@blp.response(201, DraftItemSchema)
def add_item(data, negotiation):
    """Add a clause to the draft; both acceptances lapse."""
    return ops.add_item(negotiation, current_user, data["title"], data["text"])


@blp.patch("/items/<int:item_id>")
@with_item(may("edit_clauses"))
@fails_with(403, 404, 409)
@blp.arguments(ItemUpdateSchema)
@blp.response(200, DraftItemSchema)
def update_item(data, item):
    ops.update_item(item, current_user, data.get("title", item.title), data.get("text", item.text))
    return item


@blp.delete("/items/<int:item_id>")
@with_item(may("edit_clauses"))
@fails_with(403, 404, 409)
@blp.response(204)
def remove_item(item):
    """Remove a clause; the later ones move up a number."""
    ops.remove_item(item, current_user)


# --- wage grids (能级工资表) -------------------------------------------------------------------


@blp.get("/negotiations/<int:negotiation_id>/comparison")
@with_negotiation()
@fails_with(404)
@blp.response(200, GridSchema(many=True))
def comparison(negotiation):
    """The current grid and every proposal of every round side by side, costed, changes marked."""
    return queries.comparison(negotiation)


def _current_column(grid: WageGrid) -> queries.Column:
    return queries.Column(_("Current grid"), grid, rules.cost_grid(grid.grade_rows), frozenset())


@blp.get("/enterprises/<int:enterprise_id>/grid")
@with_enterprise_work()
@fails_with(404)
@blp.response(200, GridSchema)
def get_current_grid(enterprise):
    """The wage grid in force with its costing (the baseline of every proposal)."""
    grid = current_grid(enterprise)
    if grid is None:
        abort(404, message=_("No wage grid in force has been recorded for this enterprise."))
    return _current_column(grid)


@blp.put("/enterprises/<int:enterprise_id>/grid")
@with_enterprise(grid_keeper)
@fails_with(403, 404)
@blp.arguments(GridRowsSchema)
@blp.response(200, GridSchema)
def set_current_grid(data, enterprise):
    """Record the grid in force, with today's headcount per grade (employer side or federation)."""
    grid = wage_grids.set_current_grid(
        enterprise, current_user, _grade_rows(data["rows"]), data["note"]
    )
    return _current_column(grid)
