"""Form helpers shared by the domains."""

from flask import flash
from wtforms.fields.choices import SelectChoice

from app.errors import InvalidInput


def show_errors(form, exc: InvalidInput) -> None:
    """Put an operation's field errors next to the fields; the rest go to the page's top."""
    for field_name, messages in exc.details.items():
        field = getattr(form, field_name, None)
        for message in messages:
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                flash(message, "error")


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]
