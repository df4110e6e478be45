"""The result of a closed motion (表决结果) as plain data, and its exports: a workbook of the counts
and the resolution (决议) as a PDF.

The exports receive plain data (dicts), never ORM objects, and the PDF renderer may fetch nothing:
its URL fetcher refuses every URL, so a template can read no file and reach no network.
"""

from io import BytesIO

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from weasyprint import HTML

from app.clock import CHINA
from app.congress import operations as ops
from app.congress.models import Motion
from app.contracts.pdf import RefuseEveryURL
from app.errors import translate
from app.spreadsheets import append_row
from workflows import congress as workflow
from workflows import negotiation as negotiation_workflow
from workflows import rules


def _local(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def motion_results(motion: Motion) -> dict:
    """Everything the results page and the exports show, in the reader's language."""
    congress = motion.session.congress
    profile = congress.enterprise.region.rule_profile
    counts = motion.tally["items"]
    negotiation = motion.negotiation
    return {
        "id": motion.id,
        "title": motion.title,
        "description": motion.description,
        "ballot_kind": motion.ballot_kind,
        "enterprise": congress.enterprise.name,
        "congress": congress.name,
        "session": motion.session.title,
        "place": motion.session.place,
        "opened_at": _local(motion.opened_at),
        "closed_at": _local(motion.closed_at),
        "result": motion.result,
        "result_label": _(workflow.RESULT_LABELS[motion.result]),
        "entitled": motion.entitled_count,
        "present": motion.present_count,
        "voted": motion.tally["voted"],
        "items": [
            {"number": item.number, "title": item.title, **counts[str(item.number)]}
            for item in motion.items
        ],
        "rule": translate(rules.majority_rule(motion.entitled_count, profile)),
        "seal": motion.seal,
        "seal_intact": ops.seal_intact(motion),
        "negotiation": None
        if negotiation is None
        else {
            "id": negotiation.id,
            "subject": negotiation.subject,
            "state": negotiation.state,
            "state_label": _(negotiation_workflow.STATE_LABELS[negotiation.state]),
        },
    }


def results_workbook(data: dict) -> bytes:
    """One sheet: the items and their counts, the turnout, the rule and the seal."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Results")[:31]
    append_row(sheet, [data["title"]])
    append_row(sheet, [data["enterprise"], data["congress"], data["session"]])
    append_row(sheet, [_("Closed"), data["closed_at"]])
    append_row(sheet, [])
    append_row(
        sheet, [_("Item"), _("Title"), _("yes"), _("no"), _("abstain"), _("blank"), _("needed"), ""]
    )
    for item in data["items"]:
        append_row(
            sheet,
            [
                item["number"],
                item["title"],
                item["yes"],
                item["no"],
                item["abstain"],
                item["blank"],
                item["needed"],
                _("passed") if item["passed"] else _("failed"),
            ],
        )
    append_row(sheet, [])
    append_row(sheet, [_("Entitled to vote"), data["entitled"]])
    append_row(sheet, [_("Present at the opening"), data["present"]])
    append_row(sheet, [_("Voted"), data["voted"]])
    append_row(sheet, [_("Result"), data["result_label"]])
    append_row(sheet, [_("Rule"), data["rule"]])
    append_row(sheet, [_("Seal (SHA-256)"), data["seal"]])
    append_row(sheet, [_("Seal intact"), _("yes") if data["seal_intact"] else _("no")])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def resolution_pdf(motion: Motion) -> bytes:
    """The resolution (决议) in Chinese, whatever the reader's language, from plain data."""
    with force_locale("zh"):
        data = motion_results(motion)
        html = render_template("pdf/resolution.html", **data)
    return HTML(string=html, url_fetcher=RefuseEveryURL()).write_pdf()
