"""Where the signatures go: one fixed place for the PDF template and the signer to agree on.

The contract's last page is its signature page (签署页). The template draws each side's labelled
signature block in the box below; the signer puts that side's visible stamp in the same box. PDF
user space: points (1/72 in), origin at the bottom left of an A4 page (595.28 x 841.89 pt).
"""

from types import MappingProxyType

PAGE_WIDTH_PT = 595.28
PAGE_HEIGHT_PT = 841.89
MM = 72 / 25.4  # points per millimetre

# (x1, y1, x2, y2) in points on the last page, per side: union (甲方, 工会) left, employer right.
SIGNATURE_BOXES = MappingProxyType(
    {
        "union": (25 * MM, 120 * MM, 100 * MM, 160 * MM),
        "employer": (110 * MM, 120 * MM, 185 * MM, 160 * MM),
    }
)
# The signature field's name in the PDF, per side.
SIGNATURE_FIELDS = MappingProxyType({"union": "Signature_union", "employer": "Signature_employer"})
