"""Forms of the congress pages: the congress and its term, a delegate, a roster file, a session,
check-in (签到), a motion (议案) and the agreed draft sent to the congress."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import choices
from app.negotiations.forms import local_datetime


class CongressForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=100)], default="职工代表大会"
    )
    term_start = DateField(_l("Term starts"), validators=[InputRequired()])
    term_end = DateField(_l("Term ends"), validators=[InputRequired()])


class DelegateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    employee_no = StringField(_l("Employee number"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    constituency = StringField(_l("Constituency"), validators=[DataRequired(), Length(max=64)])
    gender = SelectField(
        _l("Gender"), choices=choices((("female", _l("female")), ("male", _l("male"))))
    )
    is_manager = BooleanField(_l("Middle manager or above (中层以上管理人员)"))

    def values(self) -> dict:
        return {name: self[name].data for name in self._fields if name != "csrf_token"}


class RosterForm(FlaskForm):
    file = FileField(_l("Roster file (.xlsx or .csv)"), validators=[FileRequired()])


class SessionForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=choices((("regular", _l("regular session")), ("special", _l("special session")))),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    scheduled_at = local_datetime(_l("Time"))
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    agenda = TextAreaField(_l("Agenda"))


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=6)])


class AttendanceForm(FlaskForm):
    delegate_id = SelectField(_l("Delegate"), coerce=int, validators=[InputRequired()])


# "1. title: text", "2、title：text", "(3) title" — the number is the line's place, not its label.
ITEM_NUMBER = re.compile(r"^\s*(?:\(?\d+[.、)）]|第\s*\d+\s*项)\s*")


class MotionForm(FlaskForm):
    """A motion (议案): a title, its items one a line, and how it is voted."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"))
    items = TextAreaField(
        _l("Items, one a line"),
        validators=[DataRequired()],
        description=_l("“title: text” on each line; a leading number is ignored."),
    )
    ballot_kind = SelectField(
        _l("Ballot"),
        choices=choices([("secret", _l("secret ballot")), ("named", _l("named vote"))]),
        default="secret",
    )
    requires_presence = BooleanField(_l("Only delegates checked in at the session vote"))
    closes_at = local_datetime(_l("Closes automatically at (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closes_at.validators = [Optional()]
        if not self.is_submitted():
            self.requires_presence.data = True

    def item_rows(self) -> list[tuple[str, str]]:
        rows = []
        for line in (self.items.data or "").splitlines():
            line = ITEM_NUMBER.sub("", line).strip()
            if line:
                title, *text = re.split(r"[:：]", line, maxsplit=1)
                rows.append((title.strip()[:200], "".join(text).strip()))
        return rows


class SubmitToCongressForm(FlaskForm):
    """Send the agreed draft to a session of the workers' congress."""

    session_id = SelectField(_l("Session"), coerce=int)
    closes_at = local_datetime(_l("Closes automatically at (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closes_at.validators = [Optional()]
