"""Contracts (工资专项集体合同): the generated PDF, personal signatures, filing, review, effect,
publication and renewal."""

from app.contracts import models  # noqa: F401
