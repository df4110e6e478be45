"""Forms of the congress pages: the congress and its term, a delegate, a roster file, a session,
and check-in (签到)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

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
