"""The wage special collective contract (工资专项集体合同) as a PDF, rendered from plain data.

The renderer receives plain data — dicts, lists, str, int, date and datetime, never ORM objects —
so it can be tested and benchmarked without a database, and it fetches nothing: its URL fetcher
refuses every URL (file, network and data: alike), so no value that reaches the template can read
a file or touch the network. The QR code is inline SVG markup for that reason.

The data (keys marked "optional" may be left out)::

    {
        "title": "工资专项集体合同",
        "enterprise": {"name", "credit_code", "address", "legal_representative", "industry"},
        "union": {"name": "××有限公司工会委员会", "chair": "张三"},
        "region": {"name": "泰州市海陵区"},
        "term": {"years": 2, "start": date | None, "end": date | None},
            # start/end None before the contract takes effect: the term then runs from the day
            # the labour administration's review passes (自劳动行政部门审查通过之日起).
        "grid": {"round": 3 | None,  # the negotiation round that agreed the grid
                 "rows": [{"position": 1, "grade": "学徒工", "base_fen": 250000,
                           "allowance_fen": 30000, "headcount": 40}, ...]},
            # money in integer fen, printed as yuan "2,500.00"; monthly total = base + allowance;
            # rows print by position, the first being the lowest grade
        "minimum_wage_fen": 249000,  # the region's monthly minimum wage
        "clauses": [{"number": 1, "title": "...", "text": "..."}, ...],
            # every approved item of the draft, in order, each an article citing its item number
            # (表决事项 1); a blank line in "text" starts a new paragraph
        "congress": {  # required: no contract without the vote (集体合同规定 Art 36-37)
                     "name": "第三届职工代表大会", "session": "第二次会议", "voted_on": date,
                     "total_delegates": 36, "present": 30,
                     "ballot_kind": "secret" | "named",  # optional, default "secret"
                     "votes_needed": 19,  # optional: yes votes an item needed under the
                                          # region's rule; default the national rule
                     "items": [{"number": 1, "title": "...", "yes": 25, "no": 3,
                                "abstain": 2}, ...]},
        "negotiation": {"id": 12, "subject": "2027年度能级工资集体协商"},
        "signatories": {"union": {"name": "张三", "title": "工会方首席代表"},
                        "employer": {"name": "李四", "title": "企业方首席代表"}},
        "verification": {"code": "7KQ2-M9XP-4TBV",
                         "url": "https://accord.example/verify/7KQ2-M9XP-4TBV"},
        "generated_at": datetime,  # timezone-aware; printed in Asia/Shanghai, and the PDF's
                                   # creation date, so the same data gives the same bytes
    }

The last page is the signature page (签署页): each side's empty signature frame sits exactly on
`app.contracts.layout.SIGNATURE_BOXES`, where the signer later puts that side's visible stamp.
"""

import hashlib
import io
import threading
from datetime import date, datetime
from importlib.resources import files
from typing import NoReturn

import qrcode
from flask import current_app
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage
from weasyprint import HTML
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from app.clock import CHINA
from app.contracts.layout import MM, PAGE_HEIGHT_PT, SIGNATURE_BOXES
from workflows import rules

TEMPLATE = "pdf/contract.html"

# Page margins in mm. The template's @page rule and the signature frames are both computed from
# these, so the frames stay on SIGNATURE_BOXES whatever the margins become.
PAGE_MARGINS_MM = {"top": 30.0, "right": 25.0, "bottom": 26.0, "left": 25.0}
PAGE_HEIGHT_MM = PAGE_HEIGHT_PT / MM

# The height of a section that must stay on one page (the cover, the signature page): a hair under
# the page area, so rounding never spills it onto another.
PAGE_AREA_HEIGHT_MM = PAGE_HEIGHT_MM - PAGE_MARGINS_MM["top"] - PAGE_MARGINS_MM["bottom"] - 1
# The gap between a signature frame and its labels above (party, "首席代表（签名）") and below
# (name, date), in mm.
LABEL_GAP_MM = 1.5

# PDF/A-3u: archival, fonts embedded, every glyph mapped to Unicode so the text stays extractable.
# It adds about 0.05 s to a 0.6-0.8 s render (benchmarks/contracts.py).
PDF_VARIANT = "pdf/a-3u"
# The sRGB profile PDF/A's output intent names, read once. WeasyPrint 70 opens its own copy for
# every PDF/A document and never closes it (a ResourceWarning per contract), so we hand it this one.
_SRGB_ICC = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
_OUTPUT_INTENT = "--accord-srgb"

_TERM_YEARS = {1: "一", 2: "两", 3: "三"}  # 集体合同规定 Art 38: a term of 1 to 3 years
_BALLOT_KINDS = {"secret": "无记名投票", "named": "记名投票"}


class RefuseEveryURL(URLFetcher):
    """A URL fetcher (资源获取器) that fetches nothing: no file, no network, no data: URL.

    WeasyPrint 70 reads the private `_fail_on_errors` off the fetcher, so a plain function no
    longer works as one; a subclass keeps that contract. Refusals are logged by WeasyPrint and the
    resource is left out — the document never depends on anything outside the data.
    """

    def fetch(self, url: str, headers: dict | None = None) -> NoReturn:
        raise ValueError(f"the contract fetches nothing: {url[:80]}")


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _local_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    local = moment.astimezone(CHINA)
    return f"{_chinese_date(local)} {local:%H:%M}"


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def _qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code: markup, so the fetcher is never asked."""
    image = qrcode.make(url, image_factory=SvgPathImage, border=0)
    # Safe as markup: the SVG holds only the library's path of dark modules, never the URL's text.
    return Markup(image.to_string(encoding="unicode"))


def _term(term: dict) -> dict:
    years = term["years"]
    start, end = term.get("start"), term.get("end")
    return {
        "years": _TERM_YEARS.get(years, str(years)),
        "start": _chinese_date(start) if start else None,
        "end": _chinese_date(end) if end else None,
    }


def _grid(grid: dict, minimum_wage_fen: int, region: str) -> dict:
    if not grid["rows"]:
        raise ValueError("a wage contract needs its agreed wage grid (能级工资表)")
    ordered = sorted(grid["rows"], key=lambda row: row["position"])
    grade_rows = [
        rules.GradeRow(row["grade"], row["base_fen"], row["allowance_fen"], row["headcount"])
        for row in ordered
    ]
    costing = rules.cost_grid(grade_rows)
    lowest = grade_rows[0]
    # 劳动合同法 Art 55; 最低工资规定 Art 12: the lowest grade's monthly pay against the minimum.
    margin_fen = lowest.total_fen - minimum_wage_fen
    return {
        "round": grid["round"],
        "rows": [
            {
                "position": row["position"],
                "grade": grade.grade,
                "base": rules.format_yuan(grade.base_fen),
                "allowance": rules.format_yuan(grade.allowance_fen),
                "total": rules.format_yuan(grade.total_fen),
                "headcount": grade.headcount,
            }
            for row, grade in zip(ordered, grade_rows, strict=True)
        ],
        "headcount": costing.headcount,
        "monthly_bill": rules.format_yuan(costing.monthly_fen),
        "average": rules.format_yuan(int(costing.average_fen)),
        "lowest": {
            "grade": lowest.grade,
            "total": rules.format_yuan(lowest.total_fen),
            "minimum_wage": rules.format_yuan(minimum_wage_fen),
            "region": region,
            "margin": rules.format_yuan(abs(margin_fen)),
            "meets_minimum": margin_fen >= 0,
            "above_minimum": margin_fen > 0,
        },
    }


def _congress(congress: dict | None) -> dict:
    if congress is None:
        # 集体合同规定 Art 36-37: no contract without the congress vote that approved the draft.
        raise ValueError("a wage contract needs the workers' congress vote (职工代表大会表决)")
    total = congress["total_delegates"]
    needed = congress.get("votes_needed")
    if needed is None:
        needed = rules.votes_needed(total, rules.RuleProfile())
    return {
        "name": congress["name"],
        "session": congress["session"],
        "voted_on": _chinese_date(congress["voted_on"]),
        "total": total,
        "present": congress["present"],
        "ballot": _BALLOT_KINDS[congress.get("ballot_kind", "secret")],
        "needed": needed,
        "items": [{**item, "passed": item["yes"] >= needed} for item in congress["items"]],
    }


def _signature_frames() -> dict[str, dict[str, str]]:
    """Each side's frame, and where its labels go, in mm within the signature page's area.

    SIGNATURE_BOXES are PDF points from the bottom left of the page; CSS measures from the top
    left of the page area (inside the margins), downwards. The labels above a frame are placed by
    their bottom edge, so a long party name grows upwards and never into the frame.
    """
    frames = {}
    for side, (x1, y1, x2, y2) in SIGNATURE_BOXES.items():
        top = PAGE_HEIGHT_MM - y2 / MM - PAGE_MARGINS_MM["top"]
        height = (y2 - y1) / MM
        frames[side] = {
            name: f"{value:.3f}mm"
            for name, value in {
                "left": x1 / MM - PAGE_MARGINS_MM["left"],
                "top": top,
                "width": (x2 - x1) / MM,
                "height": height,
                "above_bottom": PAGE_AREA_HEIGHT_MM - top + LABEL_GAP_MM,
                "below_top": top + height + LABEL_GAP_MM,
            }.items()
        }
    return frames


def contract_view(data: dict) -> dict:
    """What the template prints: every figure formatted, every date in Chinese, nothing to
    compute in Jinja."""
    enterprise = data["enterprise"]
    return {
        "title": data["title"],
        "enterprise": enterprise,
        "union": data["union"],
        "region": data["region"]["name"],
        "term": _term(data["term"]),
        "grid": _grid(data["grid"], data["minimum_wage_fen"], data["region"]["name"]),
        "clauses": [
            {"number": c["number"], "title": c["title"], "paragraphs": _paragraphs(c["text"])}
            for c in data["clauses"]
        ],
        "congress": _congress(data.get("congress")),
        "negotiation": data["negotiation"],
        "signatories": data["signatories"],
        "verification": {**data["verification"], "qr": _qr_svg(data["verification"]["url"])},
        "generated_at": _local_time(data["generated_at"]),
        "created_iso": data["generated_at"].isoformat(timespec="seconds"),
        "page": {
            **{side: f"{value:g}mm" for side, value in PAGE_MARGINS_MM.items()},
            "area_height": f"{PAGE_AREA_HEIGHT_MM:.3f}mm",
        },
        "frames": _signature_frames(),
    }


def contract_html(data: dict) -> str:
    """The contract as HTML, rendered by the app's Jinja environment (autoescaped).

    Not `flask.render_template`: its context processors need a request and query the inbox, and
    the PDF needs neither — it renders the same in a request, a CLI command or a benchmark.
    """
    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(**contract_view(data))


def pdf_options() -> dict:
    """WeasyPrint's options for a contract: PDF/A-3u with an sRGB output intent.

    The colour profile is built per document because WeasyPrint stores each PDF's object number
    on it; a shared one would be overwritten by a concurrent render.
    """
    srgb = ColorProfile(
        io.BytesIO(_SRGB_ICC), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )
    return {
        "pdf_variant": PDF_VARIANT,
        "color_profiles": {_OUTPUT_INTENT: srgb},
        "output_intent": _OUTPUT_INTENT,
    }


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused: a new one per document (WeasyPrint's
    default) leaves a few MiB of fontconfig and Pango state behind each time, so a worker's
    memory grew with every contract."""
    if getattr(_fonts, "config", None) is None:
        _fonts.config = FontConfiguration()
    return _fonts.config


def render_contract(data: dict) -> bytes:
    """The contract (工资专项集体合同) as PDF/A-3u bytes; needs an app context."""
    return HTML(string=contract_html(data), url_fetcher=RefuseEveryURL()).write_pdf(
        font_config=_font_config(), **pdf_options()
    )


def contract_sha256(pdf: bytes) -> str:
    """The SHA-256 of a PDF revision, hex, as stored and written to the audit log."""
    return hashlib.sha256(pdf).hexdigest()
