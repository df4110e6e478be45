"""API schemas for the wage special collective contract (工资专项集体合同): the contract with its
signatures (签字), publications (公布), PDF revisions and grid; the actions' bodies; and what the
verification (验证) of an uploaded copy reports.

Money is integer fen, dates and times ISO 8601 (times timezone-aware). What depends on who asks
(`allowed_actions`, whether a found contract's id is shown) is computed for the token's user.
"""

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import validate

from app.congress.schemas import NegotiationStateSchema
from app.contracts.access import allowed_actions
from app.contracts.models import DECISIONS
from app.contracts.util import verification_url
from app.negotiations.schemas import ComputedSchema, GradeRowSchema
from app.schemas import Text
from workflows import contract as workflow
from workflows import rules
from workflows.contract import State

_SIDE = validate.OneOf(rules.SIDES)

PROVISIONAL = (
    "true when the date was counted on a year whose official holiday schedule is not known "
    "yet: it is counted again, and the parties told if it moves, once the schedule arrives"
)


def _written(value: str) -> None:
    """A reason or an opinion is given in writing: blank is no answer."""
    if not value.strip():
        raise ma.ValidationError(_("Write it out; it cannot be left blank."))


# --- requests -----------------------------------------------------------------------------------


class SignSchema(ma.Schema):
    """A chief representative signs with their own key (集体合同规定 Art 37)."""

    password = Text(
        required=True,
        load_only=True,
        metadata={"description": "Your password: it opens your personal signing key."},
    )
    full_name = Text(
        required=True, metadata={"description": "Your full name, exactly as it is on record."}
    )
    document_sha256 = Text(
        required=True,
        validate=validate.Regexp(
            r"^[0-9a-fA-F]{64}$", error=_l("Give the SHA-256 as 64 hexadecimal digits.")
        ),
        metadata={
            "description": "The SHA-256 of the revision you read (the latest in `revisions`); "
            "a different one is refused with 409."
        },
    )


class VoidSchema(ma.Schema):
    reason = Text(
        required=True,
        validate=_written,
        metadata={"description": "Why your side refuses to sign; the talks reopen."},
    )


class ObjectionSchema(ma.Schema):
    opinion = Text(
        required=True,
        validate=_written,
        metadata={"description": "集体合同规定 Art 46: the written review opinion (审查意见书)."},
    )


class PublicationCreateSchema(ma.Schema):
    published_on = ma.fields.Date(
        required=True,
        metadata={"description": "Between the day the contract took effect and today."},
    )
    method = Text(
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "How it was published: notice board, intranet, staff meeting…"},
    )
    side = Text(
        load_default=None,
        allow_none=True,
        validate=_SIDE,
        metadata={"description": "The side you record it for; needed only if you sit on both."},
    )


class VerifyUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "A contract PDF, signed or not."})


# --- the contract -------------------------------------------------------------------------------


class StepSchema(ma.Schema):
    state = Text(validate=validate.OneOf(workflow.STATES))
    label = Text()
    status = Text(
        validate=validate.OneOf(("done", "current", "off", "todo")),
        metadata={"description": "`off`: the end off the main line (returned, void)."},
    )


def steps(contract) -> list[dict]:
    """The main line of states (进度条); a returned or void contract ends, off the line, after
    the last state it reached."""
    main = workflow.STEPS
    if contract.state in main:
        here = main.index(contract.state)
        line = [
            (state, "done" if i < here else "current" if i == here else "todo")
            for i, state in enumerate(main)
        ]
    else:
        # Returned from filed; void from drafted, or from signing once one side has signed.
        left = (
            State.FILED
            if contract.state == State.RETURNED
            else main[1 if contract.signatures else 0]
        )
        here = main.index(left)
        line = [(state, "done") for state in main[: here + 1]] + [(contract.state, "off")]
    return [
        {"state": state, "label": _(workflow.STATE_LABELS[state]), "status": status}
        for state, status in line
    ]


class EnterpriseRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = Text()


class SignerSchema(ma.Schema):
    id = ma.fields.Integer()
    full_name = Text()


class ContractSignatureSchema(ma.Schema):
    """A chief representative's signature (首席代表签字)."""

    side = Text(validate=_SIDE)
    signer = ma.fields.Nested(SignerSchema)
    signer_name = Text(metadata={"description": "The name as on record when signing."})
    signed_at = ma.fields.AwareDateTime()
    revision = ma.fields.Integer(
        attribute="revision_number", metadata={"description": "The revision it made."}
    )


class ContractPublicationSchema(ma.Schema):
    """A side's record that it published the contract to its people (公布)."""

    side = Text(validate=_SIDE)
    published_on = ma.fields.Date()
    method = Text()


class ContractRevisionSchema(ComputedSchema):
    """A revision of the PDF: 0 is the generated text, each signature appends one."""

    computed = {
        "download_url": lambda revision: url_for(
            "api_contracts.get_revision_pdf",
            contract_id=revision.contract_id,
            number=revision.number,
        )
    }

    number = ma.fields.Integer()
    sha256 = Text()
    size = ma.fields.Integer(metadata={"description": "Bytes."})
    created_at = ma.fields.AwareDateTime()
    download_url = Text()


def _grid_rows(contract) -> list:
    grid = contract.grid
    return grid.rows if grid is not None else []


class ContractSummarySchema(ComputedSchema):
    computed = {"state_label": lambda c: _(workflow.STATE_LABELS[c.state])}

    id = ma.fields.Integer()
    state = Text(validate=validate.OneOf(workflow.STATES))
    state_label = Text()
    verification_code = Text()
    term_years = ma.fields.Integer()
    negotiation = ma.fields.Nested(NegotiationStateSchema)
    enterprise = ma.fields.Nested(EnterpriseRefSchema)
    created_at = ma.fields.AwareDateTime()
    filing_due = ma.fields.Date(allow_none=True)
    filing_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    review_due = ma.fields.Date(allow_none=True)
    review_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    effective_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)


class ContractSchema(ContractSummarySchema):
    """A contract with everything a client needs to show it and act on it."""

    computed = {
        **ContractSummarySchema.computed,
        "steps": steps,
        "verification_url": lambda c: verification_url(c.verification_code),
        "grid": _grid_rows,
        "allowed_actions": lambda c: allowed_actions(c, current_user),
    }

    steps = ma.fields.List(ma.fields.Nested(StepSchema))
    verification_url = Text(
        metadata={"description": "Printed on every page: where a paper copy is checked."}
    )
    filed_on = ma.fields.Date(allow_none=True)
    decision = Text(allow_none=True, validate=validate.OneOf(DECISIONS))
    decided_on = ma.fields.Date(allow_none=True)
    opinion = Text(metadata={"description": "The review opinion of an objection."})
    void_reason = Text()
    publication_due = ma.fields.Date(allow_none=True)
    publication_due_provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": PROVISIONAL}
    )
    renewal_opens_on = ma.fields.Date(allow_none=True)
    renewal_negotiation_id = ma.fields.Integer(allow_none=True)
    expired_on = ma.fields.Date(allow_none=True)
    signatures = ma.fields.List(ma.fields.Nested(ContractSignatureSchema))
    publications = ma.fields.List(ma.fields.Nested(ContractPublicationSchema))
    revisions = ma.fields.List(ma.fields.Nested(ContractRevisionSchema))
    grid = ma.fields.List(
        ma.fields.Nested(GradeRowSchema),
        metadata={"description": "The agreed wage grid (能级工资表), lowest grade first."},
    )
    allowed_actions = ma.fields.List(
        Text(validate=validate.OneOf(sorted(workflow.ACTION_LABELS))),
        metadata={
            "description": "What the token's user may do now, from the workflow; a guard "
            "may still refuse with its reason."
        },
    )


# --- verification (验证) ------------------------------------------------------------------------


class RevisionHashSchema(ma.Schema):
    number = ma.fields.Integer()
    sha256 = Text()
    created_at = ma.fields.AwareDateTime()


class SignedBySchema(ma.Schema):
    side = Text(validate=_SIDE)
    signer_name = Text()
    signed_at = ma.fields.AwareDateTime()


class ContractFoundSchema(ComputedSchema):
    """The contract a copy or a code belongs to, as anyone holding the paper may see it."""

    computed = {
        "id": lambda c: c.id if c.can_view(current_user) else None,
        "state_label": lambda c: _(workflow.STATE_LABELS[c.state]),
    }

    id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Only when you may see the enterprise."}
    )
    verification_code = Text()
    state = Text(validate=validate.OneOf(workflow.STATES))
    state_label = Text()
    enterprise_name = Text(attribute="enterprise.name")
    effective_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)
    revisions = ma.fields.List(ma.fields.Nested(RevisionHashSchema))
    signatures = ma.fields.List(ma.fields.Nested(SignedBySchema))


class PdfSignatureSchema(ma.Schema):
    """One signature found in the uploaded file, judged on its own."""

    field_name = Text()
    side = Text(allow_none=True)
    signer_name = Text(allow_none=True)
    signed_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "As the signature records it."}
    )
    intact = ma.fields.Boolean(metadata={"description": "The signed bytes are unchanged."})
    trusted = ma.fields.Boolean(
        metadata={"description": "Made with a certificate of this deployment's CA."}
    )
    valid = ma.fields.Boolean()
    covers_whole_document = ma.fields.Boolean()
    modified_after = ma.fields.Boolean()
    modification_level = Text(allow_none=True)


class PdfVerificationSchema(ma.Schema):
    """What an uploaded PDF's signatures say, and which contract it is."""

    valid = ma.fields.Boolean(
        metadata={
            "description": "Signed, every signature valid and made with this deployment's "
            "certificates, nothing changed after signing, and one of its contracts."
        },
    )
    modified_after_signing = ma.fields.Boolean(attribute="report.modified_after_signing")
    problems = ma.fields.List(
        Text(), metadata={"description": "Why it is not valid, in the request's language."}
    )
    original_sha256 = Text(
        attribute="report.original_sha256",
        allow_none=True,
        metadata={"description": "The SHA-256 of the file as generated, before any signature."},
    )
    sha256 = Text(metadata={"description": "The SHA-256 of the uploaded file."})
    signatures = ma.fields.List(ma.fields.Nested(PdfSignatureSchema), attribute="report.signatures")
    contract = ma.fields.Nested(ContractFoundSchema, allow_none=True)
