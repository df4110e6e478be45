"""Rendering a domain's page with its workflow's words at hand."""

from collections.abc import Mapping
from functools import partial

from flask import render_template

from app.errors import translate
from workflows import rules


def render(template: str, status: int = 200, *, words: Mapping, **context):
    """The page and its status; `words` are the domain's labels (states, actions…)."""
    return render_template(
        template, translate=translate, SIDE_LABELS=rules.SIDE_LABELS, **words, **context
    ), status


def renderer(**words):
    """A domain's `_render(template, status=200, **context)`, with its labels."""
    return partial(render, words=words)
