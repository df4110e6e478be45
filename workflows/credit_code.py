"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from workflows.messages import N_, Message

# The 31 characters of the code, in value order (I, O, Z, S and V are never used).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The weight of position i is 3^i mod 31.
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    """The 18th character computed from the first 17."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> Message | None:
    """What is wrong with `code`, in words, or None when it is valid."""
    if len(code) != 18:
        return Message(N_("must be 18 characters, not %(length)d"), {"length": len(code)})
    bad = "".join(sorted({c for c in code if c not in CHARSET}))
    if bad:
        return Message(
            N_("contains characters a credit code never uses: %(chars)s"), {"chars": bad}
        )
    if not code[2:8].isdigit():
        return Message(N_("characters 3 to 8 must be the six-digit administrative division code"))
    expected = check_character(code[:17])
    if code[17] != expected:
        return Message(
            N_("the check character is %(given)s but should be %(expected)s"),
            {"given": code[17], "expected": expected},
        )
    return None
