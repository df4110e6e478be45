"""The contract pages (工资专项集体合同): the contract with its stepper, deadlines, signatures,
revisions and review; the signing page; the labour officer's review queue (审查); and the public
verification page (验证) that the QR code on every page of the PDF opens.

Each view loads with the access check (404 when not visible), refuses anyone who takes no part
in what it does (403) before reading a form, calls one operation and redirects. What a user may
do now comes from the machine (`operations.allowed_actions`); a refused action propagates as a
409 (or 403) page with the reason. The verification pages need no login and show nothing but the
contract's enterprise, state, hashes and signers.
"""

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from app import clock
from app.audit.operations import history
from app.contracts import operations as ops
from app.contracts import util
from app.contracts.access import (
    allowed_actions,
    chief_side,
    failed_signing_attempts,
    get_contract_or_404,
    may,
    renewal_data,
    require_role,
    roles_of,
)
from app.contracts.forms import ObjectionForm, PublicationForm, SignForm, VerifyForm, VoidForm
from app.contracts.models import Contract, ContractRevision
from app.contracts.verification import NotAPdf, PdfRefused, VerificationBusy
from app.deadlines import Countdown, countdown, due_day, due_text
from app.errors import Conflict, InvalidInput, NotPermitted
from app.extensions import limiter
from app.forms import show_errors
from app.pages import renderer
from app.stepper import stepper
from workflows import contract as workflow
from workflows import rules
from workflows.calendar import days_left
from workflows.contract import WORKFLOW, State

bp = Blueprint("contracts", __name__)

# The audit log's actions on a contract, as the history lists them.
DECISION_LABELS = {
    "approved": _l("approved"),
    "deemed_approved": _l("deemed approved (no objection within the review period)"),
    "objected": _l("objected to"),
}
MEGABYTE = 1024 * 1024
# A PDF runs no script of ours. Chrome shows it through its viewer plugin, which `object-src`
# must allow (the page policy's 'none' leaves it blank), and framed by this site only.
PDF_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


@bp.app_template_filter("contract_state")
def contract_state_filter(state: str) -> str:
    return _(workflow.STATE_LABELS[state])


_render = renderer(
    STATE_LABELS=workflow.STATE_LABELS,
    ACTION_LABELS=workflow.ACTION_LABELS,
    DECISION_LABELS=DECISION_LABELS,
)


# --- the contract page ---------------------------------------------------------------------------


def deadlines(contract: Contract, today: date) -> list[Countdown]:
    """The deadlines running now, with the days left (negative when overdue)."""
    running = rules.contract_deadlines(
        contract.state,
        today,
        filing_due=due_day(contract, "filing_due"),
        review_due=due_day(contract, "review_due"),
        publication_due=due_day(contract, "publication_due"),
        renewal_opens_on=contract.renewal_opens_on,
        ends_on=contract.ends_on,
        renewal_started=contract.renewal_negotiation_id is not None,
    )
    return countdown(running, today)


def _publication_form(contract: Contract, **kwargs) -> PublicationForm:
    """The sides this user records publication for: theirs, where not recorded yet."""
    roles = roles_of(current_user, contract)
    form = PublicationForm(prefix="publish", **kwargs)
    form.side.choices = [
        (side, _("%(side)s side", side=_(rules.SIDE_LABELS[side])))
        for side in rules.SIDES
        if side in roles and contract.publication(side) is None
    ]
    if not form.side.data and form.side.choices:
        form.side.data = form.side.choices[0][0]
    return form


def _render_show(contract: Contract, status: int = 200, **forms):
    today = clock.today()
    forms = {
        "void_form": VoidForm(prefix="void", formdata=None),
        "objection_form": ObjectionForm(prefix="object", formdata=None),
        "publication_form": _publication_form(contract, formdata=None, published_on=today),
        **forms,
    }
    events = history(contract)
    signed_in = {s.revision_number: s for s in contract.signatures}
    return _render(
        "contracts/show.html",
        status,
        c=contract,
        n=contract.negotiation,
        enterprise=contract.enterprise,
        actions=allowed_actions(contract, current_user),
        can_renew=may(contract, current_user, "renew", **renewal_data(contract, today)),
        steps=stepper(workflow.STEPS, contract.state, [e.to_state for e in events]),
        deadlines=deadlines(contract, today),
        grid=contract.grid,
        signed_in=signed_in,
        history=events,
        **forms,
    )


@bp.get("/contracts/<int:contract_id>")
@login_required
def show(contract_id: int):
    return _render_show(get_contract_or_404(contract_id, current_user))


def _pdf_response(revision: ContractRevision, filename: str, disposition: str) -> FlaskResponse:
    response = FlaskResponse(
        revision.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
    # The signing page shows the document it signs in a frame of this site, and only there.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = PDF_CONTENT_SECURITY_POLICY
    return response


@bp.get("/contracts/<int:contract_id>/contract.pdf")
@login_required
def contract_pdf(contract_id: int):
    """The current text: the latest revision, with every signature made so far."""
    contract = get_contract_or_404(contract_id, current_user)
    return _pdf_response(
        contract.latest, f"contract-{contract.verification_code}.pdf", "attachment"
    )


@bp.get("/contracts/<int:contract_id>/revisions/<int:revision_number>.pdf")
@login_required
def revision_pdf(contract_id: int, revision_number: int):
    contract = get_contract_or_404(contract_id, current_user)
    revision = next((r for r in contract.revisions if r.number == revision_number), None)
    if revision is None:
        raise NotFound()
    filename = f"contract-{contract.verification_code}-r{revision.number}.pdf"
    return _pdf_response(revision, filename, "inline")


def _done(contract: Contract, message: str):
    flash(message, "success")
    return redirect(url_for("contracts.show", contract_id=contract.id))


def _for_trigger(contract_id: int, trigger: str) -> Contract:
    contract = get_contract_or_404(contract_id, current_user)
    require_role(contract, current_user, trigger)
    return contract


@bp.post("/contracts/<int:contract_id>/void")
@login_required
def void(contract_id: int):
    contract = _for_trigger(contract_id, "void")
    form = VoidForm(prefix="void")
    if not form.validate_on_submit():
        return _render_show(contract, 422, void_form=form)
    ops.void(contract, current_user, form.reason.data)
    return _done(contract, _("You refused to sign: the contract is void and the talks reopen."))


@bp.post("/contracts/<int:contract_id>/file")
@login_required
def file_contract(contract_id: int):
    contract = _for_trigger(contract_id, "file")
    ops.file_contract(contract, current_user)
    return _done(
        contract,
        _(
            "The contract is filed; the labour administration may object until %(due)s.",
            due=due_text(contract, "review_due"),
        ),
    )


@bp.post("/contracts/<int:contract_id>/approve")
@login_required
def approve(contract_id: int):
    contract = _for_trigger(contract_id, "approve")
    ops.approve(contract, current_user)
    return _done(
        contract,
        _(
            "The contract is approved and in effect; both sides publish it by %(due)s.",
            due=due_text(contract, "publication_due"),
        ),
    )


@bp.post("/contracts/<int:contract_id>/object")
@login_required
def object_to(contract_id: int):
    contract = _for_trigger(contract_id, "object")
    form = ObjectionForm(prefix="object")
    if not form.validate_on_submit():
        return _render_show(contract, 422, objection_form=form)
    ops.object_to(contract, current_user, form.opinion.data)
    return _done(
        contract, _("The contract is returned with your opinion; the parties negotiate again.")
    )


@bp.post("/contracts/<int:contract_id>/publication")
@login_required
def publish(contract_id: int):
    contract = _for_trigger(contract_id, "publish")
    form = _publication_form(contract)
    if form.validate_on_submit():
        try:
            ops.record_publication(
                contract,
                current_user,
                published_on=form.published_on.data,
                method=form.method.data,
                side=form.side.data,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            if contract.state == State.PUBLISHED:
                return _done(contract, _("Both sides have published the contract."))
            return _done(
                contract, _("Your side's publication is recorded; the other side records its own.")
            )
    return _render_show(contract, 422, publication_form=form)


@bp.post("/contracts/<int:contract_id>/renew")
@login_required
def renew(contract_id: int):
    contract = get_contract_or_404(contract_id, current_user)
    require_role(contract, current_user, "renew")
    negotiation = ops.renew(contract, current_user)
    flash(
        _("The renewal negotiation is opened as a draft request; send it when it is ready."),
        "success",
    )
    return redirect(url_for("negotiations.show", negotiation_id=negotiation.id))


# --- signing (签字) ------------------------------------------------------------------------------


def _signing_side(contract: Contract) -> str:
    """The side this chief signs for: 403 for anyone who is no chief, 409 when it cannot now."""
    side = chief_side(current_user, contract)
    if side is None:
        raise NotPermitted(_("Only the chief representative of a side signs the contract."))
    if contract.signature(side) is not None:
        raise Conflict(_("Your side has signed this contract already."))
    if not WORKFLOW.is_open("sign", contract.state):
        raise Conflict(
            _(
                "The contract cannot be signed now: it is %(state)s.",
                state=_(workflow.STATE_LABELS[contract.state]),
            )
        )
    return side


def _render_sign(contract: Contract, side: str, form: SignForm, status: int = 200):
    return _render(
        "contracts/sign.html",
        status,
        c=contract,
        enterprise=contract.enterprise,
        side=side,
        revision=contract.latest,
        form=form,
    )


@bp.route("/contracts/<int:contract_id>/sign", methods=["GET", "POST"])
@login_required
@failed_signing_attempts
def sign(contract_id: int):
    contract = get_contract_or_404(contract_id, current_user)
    side = _signing_side(contract)
    form = SignForm()
    if request.method == "GET":
        form.document_sha256.data = contract.latest.sha256
        return _render_sign(contract, side, form)
    if form.validate_on_submit():
        try:
            ops.sign(
                contract,
                current_user,
                password=form.password.data,
                full_name=form.full_name.data,
                document_sha256=form.document_sha256.data,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        except Conflict as exc:
            # The document changed since the page was shown: show the current one and its hash.
            flash(exc.message, "error")
            form.document_sha256.data = contract.latest.sha256
            return _render_sign(contract, side, form, 409)
        else:
            if contract.state == State.SIGNED:
                message = _(
                    "You signed for the %(side)s side. Both sides have signed; the employer "
                    "files the contract with the labour administration by %(due)s.",
                    side=_(rules.SIDE_LABELS[side]),
                    due=due_text(contract, "filing_due"),
                )
            else:
                message = _(
                    "You signed for the %(side)s side; the other side's chief signs next.",
                    side=_(rules.SIDE_LABELS[side]),
                )
            return _done(contract, message)
    return _render_sign(contract, side, form, 422)


# --- the review queue (审查) ----------------------------------------------------------------------


@bp.get("/reviews")
@login_required
def reviews():
    today = clock.today()
    queue = [(c, days_left(today, c.review_due)) for c in util.review_queue(current_user)]
    return _render("contracts/reviews.html", queue=queue)


# --- verification (验证), public ------------------------------------------------------------------


def _max_upload() -> int:
    return current_app.config["VERIFY_MAX_BYTES"]


def _too_large_message() -> str:
    return _(
        "The file is too large (max %(size)s MB).",
        size=f"{_max_upload() / MEGABYTE:g}",
    )


def _render_verify(form: VerifyForm, status: int = 200, code_contract=None, result=None):
    contract = result.contract if result is not None else None
    return _render(
        "contracts/verify.html",
        status,
        form=form,
        code_contract=code_contract,
        result=result,
        # The contract's page is linked for who may see it; the result is for anyone.
        visible=contract is not None
        and current_user.is_authenticated
        and contract.can_view(current_user),
        max_mb=f"{_max_upload() / MEGABYTE:g}",
    )


def _verify(code_contract: Contract | None):
    form = VerifyForm()
    if request.method == "GET":
        return _render_verify(form, code_contract=code_contract)
    if not form.validate_on_submit():
        return _render_verify(form, 422, code_contract)
    content = form.file.data.read(_max_upload() + 1)
    if len(content) > _max_upload():
        form.file.errors = [_too_large_message()]
        return _render_verify(form, 413, code_contract)
    if not content:
        form.file.errors = [_("The file is empty.")]
        return _render_verify(form, 422, code_contract)
    try:
        result = util.verify_upload(content, code_contract)
    except PdfRefused as error:
        form.file.errors = [error.message]
        return _render_verify(form, 422, code_contract)
    except NotAPdf:
        form.file.errors = [_("This file is not a PDF, or it is damaged and cannot be read.")]
        return _render_verify(form, 422, code_contract)
    except VerificationBusy as error:
        form.file.errors = [error.message]
        return _render_verify(form, 503, code_contract)
    return _render_verify(VerifyForm(formdata=None), code_contract=code_contract, result=result)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# Public and about 80 ms of work per upload: a per-address limit keeps it from being a lever.
@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def verify():
    return _verify(None)


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def verify_code(code: str):
    contract = util.contract_by_code(code)
    if contract is None:
        raise NotFound(_("No contract has the verification code %(code)s.", code=code))
    return _verify(contract)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc: RequestEntityTooLarge):
    """An upload beyond the server's limit is refused before the form is read: answer on the
    verification page all the same."""
    if request.endpoint not in ("contracts.verify", "contracts.verify_code"):
        return render_template(
            "errors.html", status=413, message=_("The upload is too large.")
        ), 413
    form = VerifyForm(formdata=None)
    form.file.errors = [_too_large_message()]
    code_contract = None
    if request.view_args and "code" in request.view_args:
        code_contract = util.contract_by_code(request.view_args["code"])
    return _render_verify(form, 413, code_contract)
