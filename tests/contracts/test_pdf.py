"""The contract PDF (工资专项集体合同): what a reader, a signer and an archivist get from it."""

import hashlib
import io
import re
from datetime import UTC, date, datetime

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream
from weasyprint import HTML

from app.contracts import pdf
from app.contracts.layout import SIGNATURE_BOXES

GRADES = [  # (grade 能级, base wage 基本工资, skill allowance 技能津贴, headcount), fen
    ("学徒工", 250000, 30000, 40),
    ("初级工", 280000, 40000, 120),
    ("中级工", 312550, 60000, 160),
    ("高级工", 350000, 90000, 110),
    ("技师", 390000, 130000, 45),
    ("高级技师", 440000, 180000, 18),
    ("特级技师", 500000, 240000, 6),
    ("首席技师", 580000, 320000, 2),
]

CLAUSES = [
    (
        "工资标准（能级工资表）",
        "乙方自本合同生效之月起执行本合同第二章所列能级工资表。职工的能级按乙方《岗位技能等级评定"
        "办法》评定，评定结果应当在车间公示不少于三个工作日；职工对评定结果有异议的，可以向甲方劳动"
        "法律监督委员会提出复核申请，乙方应当在十五日内作出复核决定。\n\n"
        "职工能级晋升的，自晋升次月起执行新能级的工资标准；因生产需要临时调整岗位、调整期间不超过"
        "三个月的，按原能级标准执行，超过三个月的，按新岗位对应能级标准执行。",
    ),
    (
        "年度工资增长",
        "本合同期内，乙方职工年度平均工资增长幅度不低于6%，并参照泰州市当年发布的企业工资指导线"
        "基准线确定。乙方上年度利润总额增长超过10%的，职工平均工资增长幅度不低于工资指导线上线的"
        "二分之一；增长所需资金优先用于提高一线生产岗位和中低能级职工的工资。\n\n"
        "乙方因生产经营严重困难确需降低增长幅度的，应当提前三十日向甲方说明情况并提供财务资料，"
        "经双方重新协商一致后执行；协商不成的，按本合同规定的增长幅度执行。",
    ),
    (
        "技能津贴",
        "技能津贴随能级确定，按月与基本工资同时发放。职工取得高一级职业技能等级证书并经乙方聘任的，"
        "自聘任次月起享受相应能级的技能津贴；取得证书而乙方暂未聘任的，每月发放两级技能津贴差额的"
        "百分之五十。乙方不得以技能津贴冲抵基本工资，也不得因职工参加工会活动而降低其技能津贴。\n\n"
        "职工因工负伤或者患职业病停工留薪期间，技能津贴照常发放；职工非因工患病或者负伤在医疗期内"
        "的，技能津贴按乙方病假工资办法执行，但病假工资不得低于当地最低工资标准的百分之八十。",
    ),
    (
        "工资支付",
        "乙方每月十五日前以货币形式足额支付职工上月工资，遇法定节假日或者休息日的，提前至最近的工作"
        "日支付。乙方应当向职工提供书面或者电子工资清单，载明应发项目、扣除项目和实发金额。\n\n"
        "乙方不得克扣或者无故拖欠职工工资。因不可抗力等原因确需延期支付的，延期不得超过三十日，"
        "并应当事先向甲方和职工说明理由及支付日期。",
    ),
    (
        "加班工资",
        "乙方安排职工延长工作时间的，按照不低于职工本人能级月工资合计折算的小时工资的百分之一百五十"
        "支付工资；休息日安排工作又不能安排补休的，按照不低于百分之二百支付；法定休假日安排工作的，"
        "按照不低于百分之三百支付。月工资折算为日工资时，按每月21.75天计算。\n\n"
        "乙方对部分岗位实行综合计算工时工作制或者不定时工作制的，应当依法报经劳动行政部门批准，"
        "并将批准的岗位、期限和工时安排书面告知甲方和相关职工；综合计算周期内超过法定标准工作"
        "时间的部分，按延长工作时间支付工资。",
    ),
    (
        "特殊岗位津贴",
        "职工从事高温、夜班等特殊条件作业的，乙方按照国家和江苏省有关规定另行发放高温津贴和夜班津贴。"
        "上述津贴不计入能级工资，也不计入与最低工资标准比较的工资数额。乙方调整特殊岗位津贴标准的，"
        "应当事先听取甲方意见。",
    ),
    (
        "工资调整的协商程序",
        "本合同期内，每年一月由甲乙双方就下一年度能级工资标准进行集体协商。任何一方均可以书面提出"
        "协商要求，另一方应当自收到要求之日起二十日内书面答复，无正当理由不得拒绝或者拖延。\n\n"
        "协商确定的新能级工资表经职工代表大会审议通过后，作为本合同的补充协议，与本合同具有同等效力，"
        "并按本合同附则的规定报送审查和公布。",
    ),
    (
        "履约监督",
        "甲乙双方各指定三名代表组成合同履行监督检查小组，每半年检查一次本合同的履行情况，检查结果"
        "向职工代表大会报告。乙方应当为检查提供必要的工资台账和财务资料；发现未按本合同支付工资的，"
        "乙方应当在三十日内补足差额。\n\n"
        "监督检查小组发现乙方未按本合同执行能级工资标准的，应当书面通知乙方限期纠正；乙方逾期"
        "不纠正的，甲方可以按照本合同争议处理的规定处理。",
    ),
]


def votes(item: int) -> dict[str, int]:
    """Each of the 33 delegates present answered every item."""
    no, abstain = item % 3, 1 + item % 2
    return {"yes": 33 - no - abstain, "no": no, "abstain": abstain}


def contract_data(**changes) -> dict:
    """A realistic contract for an eight-grade grid, as the contract module would pass it."""
    enterprise = changes.pop("enterprise_name", "泰州海陵精密机械制造有限公司")
    data = {
        "title": "工资专项集体合同",
        "enterprise": {
            "name": enterprise,
            "credit_code": "91321202MA1W8KQ23T",
            "address": "江苏省泰州市海陵区春晖路188号",
            "legal_representative": "李建国",
            "industry": "通用设备制造业",
        },
        "union": {"name": f"{enterprise}工会委员会", "chair": "张秀梅"},
        "region": {"name": "泰州市海陵区"},
        "term": {"years": 2, "start": None, "end": None},
        "grid": {
            "round": 3,
            "rows": [
                {
                    "position": n,
                    "grade": grade,
                    "base_fen": base,
                    "allowance_fen": allowance,
                    "headcount": headcount,
                }
                for n, (grade, base, allowance, headcount) in enumerate(GRADES, start=1)
            ],
        },
        "minimum_wage_fen": 249000,
        "clauses": [
            {"number": n, "title": title, "text": text}
            for n, (title, text) in enumerate(CLAUSES, start=1)
        ],
        "congress": {
            "name": "第三届职工代表大会",
            "session": "第二次会议",
            "voted_on": date(2027, 2, 26),
            "total_delegates": 36,
            "present": 33,
            "items": [
                {"number": n, "title": title, **votes(n)}
                for n, (title, _text) in enumerate(CLAUSES, start=1)
            ],
        },
        "negotiation": {"id": 12, "subject": "2027年度能级工资集体协商"},
        "signatories": {
            "union": {"name": "张秀梅", "title": "工会方首席代表"},
            "employer": {"name": "王立新", "title": "企业方首席代表"},
        },
        "verification": {
            "code": "7KQ2-M9XP-4TBV",
            "url": "https://accord.example/verify/7KQ2-M9XP-4TBV",
        },
        "generated_at": datetime(2027, 3, 1, 6, 30, tzinfo=UTC),
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def rendered(app):
    with app.app_context():
        return pdf.render_contract(contract_data())


@pytest.fixture(scope="module")
def reader(rendered):
    return PdfReader(io.BytesIO(rendered))


@pytest.fixture(scope="module")
def pages(reader):
    return [page.extract_text() for page in reader.pages]


def squeeze(text: str) -> str:
    """Extracted text without the line breaks and spaces that layout puts between characters."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def text(pages):
    return squeeze("".join(pages))


def cjk(text: str) -> set[str]:
    """The Chinese characters and full-width punctuation in `text`."""
    return {ch for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"}


def test_contract_runs_to_about_ten_pages(pages):
    assert 8 <= len(pages) <= 12


def test_every_page_has_header_and_numbered_footer(pages):
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in page
        assert "泰州海陵精密机械制造有限公司" in squeeze(page)
        assert "7KQ2-M9XP-4TBV" in page


def test_grid_prints_every_grade_with_its_amounts_in_yuan(text):
    rows = [
        "1学徒工2,500.00300.002,800.0040",
        "2初级工2,800.00400.003,200.00120",
        "3中级工3,125.50600.003,725.50160",  # fen survive: 312550 is never a float
        "4高级工3,500.00900.004,400.00110",
        "5技师3,900.001,300.005,200.0045",
        "6高级技师4,400.001,800.006,200.0018",
        "7特级技师5,000.002,400.007,400.006",
        "8首席技师5,800.003,200.009,000.002",
    ]
    for row in rows:
        assert row in text
    assert "月工资总额1,984,080.00，人均3,960.24501" in text


@pytest.mark.parametrize(
    ("minimum_wage_fen", "comparison"),
    [
        (249000, "比泰州市海陵区现行月最低工资标准2,490.00元高310.00元，符合"),
        (280000, "与泰州市海陵区现行月最低工资标准2,800.00元持平，符合"),
        (282000, "比泰州市海陵区现行月最低工资标准2,820.00元低20.00元，不符合"),
    ],
)
def test_lowest_grade_is_compared_with_the_minimum_wage(app, minimum_wage_fen, comparison):
    with app.app_context():
        html = pdf.contract_html(contract_data(minimum_wage_fen=minimum_wage_fen))
    assert (
        f"最低能级（学徒工）的月工资合计为2,800.00元，{comparison}《劳动合同法》第五十五条" in html
    )


def test_parties_legal_basis_and_clauses_are_printed(text):
    assert "甲方（职工一方）：泰州海陵精密机械制造有限公司工会委员会" in text
    assert "乙方（用人单位）：泰州海陵精密机械制造有限公司" in text
    assert "《劳动法》《劳动合同法》《集体合同规定》《工资集体协商试行办法》" in text
    for n, (title, body) in enumerate(CLAUSES, start=1):
        assert f"{squeeze(title)}（表决事项{n}）" in text
        for paragraph in body.split("\n\n"):
            assert squeeze(paragraph) in text


def test_term_before_review_runs_from_approval(text):
    assert "本合同期限为两年，自劳动行政部门审查通过之日起生效" in text


def test_term_with_dates_prints_them(app):
    data = contract_data(term={"years": 2, "start": date(2027, 4, 1), "end": date(2029, 3, 31)})
    with app.app_context():
        html = pdf.contract_html(data)
    assert "本合同期限为两年，自2027年4月1日起至2029年3月31日止" in html


def test_qr_code_is_inline_svg(app):
    with app.app_context():
        html = pdf.contract_html(contract_data())
    assert re.search(r'<div class="qr"><svg [^>]*viewBox=', html)


def test_generated_at_is_printed_in_china_time(text):
    assert "文本生成时间：2027年3月1日14:30（北京时间）" in text  # 06:30 UTC


def test_congress_record_lists_every_item_before_the_signature_page(pages):
    record = squeeze("".join(pages[:-1]))
    assert "应到36名，实到33名" in record
    assert "赞成票不少于19票" in record  # more than half of all 36 delegates
    for n, (title, _body) in enumerate(CLAUSES, start=1):
        counts = votes(n)
        assert f"{n}{title}{counts['yes']}{counts['no']}{counts['abstain']}通过" in record


def test_signature_page_is_last(pages):
    last = squeeze(pages[-1])
    assert "签署页" in last
    assert last.count("首席代表（签名）") == 2
    assert "甲方（盖章）：泰州海陵精密机械制造有限公司工会委员会" in last
    assert "乙方（盖章）：泰州海陵精密机械制造有限公司" in last
    assert "工会方首席代表：张秀梅" in last and "企业方首席代表：王立新" in last
    assert "7KQ2-M9XP-4TBV" in last
    assert "以数字签名签署" in last and "https://accord.example/verify/7KQ2-M9XP-4TBV" in last
    assert all("首席代表（签名）" not in squeeze(page) for page in pages[:-1])


Matrix = list[float]  # a PDF transformation matrix [a b c d e f]


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n, as PDF composes matrices (m × n)."""
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def text_positions(page) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run's origin on `page`, in PDF points from the bottom left."""
    runs = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x, y = apply(multiply(tm, cm), 0, 0)
            runs.append((text.strip(), x, y))

    page.extract_text(visitor_text=visit)
    return runs


def rectangles(page) -> list[tuple[float, float, float, float]]:
    """Every `re` path on `page` as (x1, y1, x2, y2) in PDF points, through the q/Q/cm stack."""
    ctm, stack, found = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = multiply([float(v) for v in operands], ctm)
        elif operator == b"re":
            x, y, width, height = (float(v) for v in operands)
            (ax, ay), (bx, by) = apply(ctm, x, y), apply(ctm, x + width, y + height)
            found.append((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
    return found


@pytest.mark.parametrize("side", ["union", "employer"])
def test_signature_frame_is_drawn_exactly_on_the_stamp_box(reader, side):
    box = SIGNATURE_BOXES[side]
    assert any(
        all(abs(a - b) < 0.5 for a, b in zip(drawn, box, strict=True))
        for drawn in rectangles(reader.pages[-1])
    )


@pytest.mark.parametrize("side", ["union", "employer"])
def test_signature_frame_is_empty_with_labels_above_and_name_below(reader, side):
    x1, y1, x2, y2 = SIGNATURE_BOXES[side]
    runs = text_positions(reader.pages[-1])
    assert not [text for text, x, y in runs if x1 <= x <= x2 and y1 <= y <= y2]
    above = [(x, y) for text, x, y in runs if "首席代表（签名）" in text]
    assert any(abs(x - x1) < 1 and 0 < y - y2 < 20 for x, y in above)
    below = [(x, y) for text, x, y in runs if "首席代表：" in text]
    assert any(abs(x - x1) < 1 and 0 < y1 - y < 25 for x, y in below)


def embedded_cmaps(reader) -> list[set[str]]:
    """The characters each embedded font file maps to a glyph."""
    cmaps = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"]
                stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert stream is not None, "every font is embedded"
                font_file = TTFont(io.BytesIO(stream.get_object().get_data()))
                cmaps.append({chr(code) for code in font_file.getBestCmap() or {}})
    return cmaps


def test_fonts_are_embedded_subsets_that_cover_every_character(reader, pages):
    cmaps = embedded_cmaps(reader)
    assert cmaps
    assert set().union(*cmaps) >= cjk(str(contract_data())) | cjk("".join(pages))
    assert all(len(cmap) < 2000 for cmap in cmaps)  # subsets, not the 30,000-glyph fonts
    names = {
        font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert all(re.match(r"/[A-Z]{6}\+", name) for name in names)


def test_pdf_is_pdf_a_3u_with_an_srgb_output_intent(reader):
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in intent["/OutputConditionIdentifier"]


@pytest.fixture
def leaky_css(tmp_path):
    """A local stylesheet that would print LEAKED-FILE if a renderer ever loaded it."""
    leak = tmp_path / "leak.css"
    leak.write_text("body::after { content: 'LEAKED-FILE'; }")
    return f"file://{leak}"


@pytest.fixture
def requested(monkeypatch):
    """Every URL the contract's fetcher is asked for."""
    urls = []
    refuse = pdf.RefuseEveryURL.fetch

    def spy(self, url, headers=None):
        urls.append(url)
        return refuse(self, url, headers)

    monkeypatch.setattr(pdf.RefuseEveryURL, "fetch", spy)
    return urls


def test_markup_in_the_data_is_printed_as_text_and_fetches_nothing(app, leaky_css, requested):
    injected = (
        f'<img src="file:///etc/passwd"><link rel="stylesheet" href="{leaky_css}">'
        '<img src="http://127.0.0.1:9/x.png">'
    )
    data = contract_data(enterprise_name="恶意企业" + injected)
    data["clauses"][0]["text"] = f'<style>@import "{leaky_css}";</style>' + injected
    with app.app_context():
        reader = PdfReader(io.BytesIO(pdf.render_contract(data)))
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    assert squeeze('恶意企业<img src="file:///etc/passwd">') in text
    assert "LEAKED-FILE" not in text and "root:" not in text
    assert not any(page.images for page in reader.pages)
    assert requested == []


def test_fetcher_leaves_out_what_html_references(leaky_css, requested):
    html = f'<link rel="stylesheet" href="{leaky_css}"><p>合同</p><img src="file:///etc/passwd">'
    followed = HTML(string=html).write_pdf()  # WeasyPrint's own fetcher, for contrast
    refused = HTML(string=html, url_fetcher=pdf.RefuseEveryURL()).write_pdf()
    assert "LEAKED-FILE" in PdfReader(io.BytesIO(followed)).pages[0].extract_text()
    assert "LEAKED-FILE" not in PdfReader(io.BytesIO(refused)).pages[0].extract_text()
    assert requested == [leaky_css, "file:///etc/passwd"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:9/x.css", "data:text/css,p{color:red}"]
)
def test_fetcher_refuses_every_url(url):
    with pytest.raises(ValueError, match="fetches nothing"):
        pdf.RefuseEveryURL().fetch(url)


def test_grid_without_a_round_number_still_reads(app):
    data = contract_data()
    data["grid"]["round"] = None
    with app.app_context():
        html = pdf.contract_html(data)
    assert "通过2027年度能级工资集体协商形成本合同草案" in html
    assert "经协商确定，乙方各能级月工资标准如下表" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"generated_at": datetime(2027, 3, 1, 14, 30)}, "timezone-aware"),
        ({"congress": None}, "congress vote"),
        ({"grid": {"round": 3, "rows": []}}, "wage grid"),
    ],
)
def test_incomplete_data_is_refused_with_a_reason(app, changes, message):
    with app.app_context(), pytest.raises(ValueError, match=message):
        pdf.contract_html(contract_data(**changes))


def test_same_data_gives_the_same_bytes_and_hash(app, rendered):
    """The stored SHA-256 names the contract's content: rendering again changes nothing."""
    with app.app_context():
        again = pdf.render_contract(contract_data())
    assert again == rendered
    assert pdf.contract_sha256(again) == hashlib.sha256(rendered).hexdigest()
