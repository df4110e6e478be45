"""API: the wage special collective contract (工资专项集体合同) — reading it and its PDF revisions,
the chiefs' signatures (签字), filing and review (报送审查), publication (公布), renewal (续订),
the officer's review queue, and the verification (验证) of a copy.

Each handler loads what its path names (404 when it is missing or not visible) and checks who
acts (403) before the body is validated, then calls one operation; the request commits once.
"""

from collections.abc import Callable

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from app.api.common import Blueprint, error_responses, loader
from app.congress.schemas import NegotiationStateSchema
from app.contracts import operations as ops
from app.contracts import util
from app.contracts.access import (
    failed_signing_attempts,
    get_contract_or_404,
    require_role,
    visible_contracts_query,
)
from app.contracts.models import Contract
from app.contracts.schemas import (
    ContractFoundSchema,
    ContractPublicationSchema,
    ContractSchema,
    ContractSignatureSchema,
    ContractSummarySchema,
    ObjectionSchema,
    PdfVerificationSchema,
    PublicationCreateSchema,
    SignSchema,
    VerifyUploadSchema,
    VoidSchema,
)
from app.contracts.verification import NotAPdf, PdfRefused, VerificationBusy
from app.errors import InvalidInput, Unavailable
from app.extensions import db
from app.negotiations.access import get_negotiation_or_404
from app.orgs.access import get_enterprise_or_404

blp = Blueprint(
    "api_contracts",
    __name__,
    description="Contracts: signing, filing, review, publication, renewal and verification",
)

PDF = {"type": "string", "format": "binary"}


# --- loading and who may act ------------------------------------------------------------------


with_contract = loader("contract_id", "contract", get_contract_or_404)
with_negotiation = loader("negotiation_id", "negotiation", get_negotiation_or_404)
with_enterprise = loader("enterprise_id", "enterprise", get_enterprise_or_404)


def may(action: str) -> Callable:
    """Whoever the workflow lets take `action` in some state (403 otherwise, before the body is
    read); the state is judged by the operation."""
    return lambda contract: require_role(contract, current_user, action)


fails_with = error_responses(blp)


class UploadTooLarge(InvalidInput):
    """An upload over the limit: 413, with the message on its field."""

    status = 413
    code = "too_large"


def _pdf_response(contract, revision) -> Response:
    filename = f"contract-{contract.verification_code}-r{revision.number}.pdf"
    return Response(
        revision.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- reading ------------------------------------------------------------------------------------


@blp.get("/contracts/<int:contract_id>")
@with_contract()
@fails_with(404)
@blp.response(200, ContractSchema)
def get_contract(contract):
    """The contract, where it stands, its deadlines, signatures, revisions and grid."""
    return contract


@blp.get("/negotiations/<int:negotiation_id>/contracts")
@with_negotiation()
@fails_with(404)
@blp.response(200, ContractSummarySchema(many=True))
def list_negotiation_contracts(negotiation):
    """The contracts made from this negotiation, newest first (a returned or void one is
    followed by the next)."""
    return db.session.scalars(
        visible_contracts_query(current_user).where(Contract.negotiation_id == negotiation.id)
    ).all()


@blp.get("/enterprises/<int:enterprise_id>/contracts")
@with_enterprise()
@fails_with(404)
@blp.response(200, ContractSummarySchema(many=True))
def list_enterprise_contracts(enterprise):
    """The enterprise's contracts, newest first."""
    return db.session.scalars(
        visible_contracts_query(current_user).where(Contract.enterprise_id == enterprise.id)
    ).all()


@blp.get("/contracts/<int:contract_id>/pdf")
@with_contract()
@fails_with(404)
@blp.response(200, PDF, content_type="application/pdf", description="The latest revision.")
def get_pdf(contract):
    """The contract's PDF as it stands now: the last signature's revision, if any."""
    return _pdf_response(contract, contract.latest)


@blp.get("/contracts/<int:contract_id>/revisions/<int:number>/pdf")
@with_contract()
@fails_with(404)
@blp.response(200, PDF, content_type="application/pdf", description="That revision.")
def get_revision_pdf(contract, number):
    """One revision of the PDF: 0 is the generated text, each signature appends one."""
    revision = next((r for r in contract.revisions if r.number == number), None)
    if revision is None:
        abort(404, message=_("This contract has no revision %(number)s.", number=number))
    return _pdf_response(contract, revision)


@blp.get("/reviews")
@fails_with(403)
@blp.response(200, ContractSummarySchema(many=True))
def review_queue():
    """The contracts filed in your region awaiting a decision, the most urgent first (labour
    officers; the federation sees every region's)."""
    return util.review_queue(current_user)


# --- signing (签字) -----------------------------------------------------------------------------


@blp.post("/contracts/<int:contract_id>/sign")
@with_contract(may("sign"))
@failed_signing_attempts  # shared with the signing page
@fails_with(403, 404, 409, 429)
@blp.arguments(SignSchema)
@blp.response(201, ContractSignatureSchema)
def sign_contract(data, contract):
    """Sign for your side with your own key, on the revision you read (集体合同规定 Art 37).

    A wrong password or name is 422 and counts against your limit of failed attempts; a text
    that changed since you read it (another `document_sha256`) is 409."""
    return ops.sign(
        contract,
        current_user,
        password=data["password"],
        full_name=data["full_name"],
        document_sha256=data["document_sha256"],
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
    )


@blp.post("/contracts/<int:contract_id>/void")
@with_contract(may("void"))
@fails_with(403, 404, 409)
@blp.arguments(VoidSchema)
@blp.response(200, ContractSchema)
def void_contract(data, contract):
    """A chief refuses to sign, with the reason: the contract is void and the talks reopen."""
    ops.void(contract, current_user, data["reason"])
    return contract


# --- filing and review (报送审查) ---------------------------------------------------------------


@blp.post("/contracts/<int:contract_id>/file")
@with_contract(may("file"))
@fails_with(403, 404, 409)
@blp.response(200, ContractSchema)
def file_contract(contract):
    """The employer files the signed contract; the review period starts (试行办法 Art 21)."""
    ops.file_contract(contract, current_user)
    return contract


@blp.post("/contracts/<int:contract_id>/approve")
@with_contract(may("approve"))
@fails_with(403, 404, 409)
@blp.response(200, ContractSchema)
def approve_contract(contract):
    """The labour officer approves: the contract takes effect today (集体合同规定 Art 47)."""
    ops.approve(contract, current_user)
    return contract


@blp.post("/contracts/<int:contract_id>/object")
@with_contract(may("object"))
@fails_with(403, 404, 409)
@blp.arguments(ObjectionSchema)
@blp.response(200, ContractSchema)
def object_to_contract(data, contract):
    """The labour officer objects in writing: the contract is returned and the negotiation goes
    back to the talks (集体合同规定 Art 46)."""
    ops.object_to(contract, current_user, data["opinion"])
    return contract


# --- publication and renewal (公布与续订) -------------------------------------------------------


@blp.post("/contracts/<int:contract_id>/publication")
@with_contract(may("publish"))
@fails_with(403, 404, 409)
@blp.arguments(PublicationCreateSchema)
@blp.response(201, ContractPublicationSchema)
def record_publication(data, contract):
    """Record that your side published the contract to its people; with both sides recorded,
    it is published (试行办法 Art 23)."""
    return ops.record_publication(contract, current_user, **data)


@blp.post("/contracts/<int:contract_id>/renew")
@with_contract(may("renew"))
@fails_with(403, 404, 409)
@blp.response(201, NegotiationStateSchema)
def renew_contract(contract):
    """Ask to renew, from three months before the term ends (集体合同规定 Art 38): a new
    negotiation, linked to this contract, as a draft request."""
    return ops.renew(contract, current_user)


# --- verification (验证) ------------------------------------------------------------------------


def _size(limit: int) -> str:
    return f"{limit // 1024**2} MB" if limit >= 1024**2 else f"{max(limit // 1024, 1)} KB"


@blp.post("/verify")
@fails_with(413, 503)
@blp.arguments(VerifyUploadSchema, location="files")
@blp.response(200, PdfVerificationSchema)
def verify_upload(files):
    """Check a copy's signatures against this deployment's CA and find its contract; its id is
    given only when you may see the enterprise."""
    limit = current_app.config["VERIFY_MAX_BYTES"]
    content = files["file"].read(limit + 1)
    if len(content) > limit:
        raise UploadTooLarge(
            "file",
            _("The file is larger than %(size)s; a contract is far smaller.", size=_size(limit)),
        )
    try:
        return util.verify_upload(content)
    except PdfRefused as error:
        raise InvalidInput("file", error.message) from None
    except VerificationBusy as error:
        raise Unavailable(error.message) from None
    except NotAPdf:
        message = (
            _("The file is not a PDF, or the PDF is damaged or encrypted.")
            if content
            else _("The file is empty.")
        )
        raise InvalidInput("file", message) from None


@blp.get("/verify/<code>")
@fails_with(404)
@blp.response(200, ContractFoundSchema)
def verify_code(code):
    """The contract with this verification code (printed on every page of the paper copy)."""
    contract = util.contract_by_code(code)
    if contract is None:
        abort(404, message=_("No contract has the verification code %(code)s.", code=code))
    return contract
