"""Administration forms for regions, wage guidelines and enterprises."""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.forms import choices
from workflows.rules import CALENDAR_DAYS, WORKING_DAYS


def yuan_to_fen(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def percent_to_bp(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _days(label):
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=1, max=365)])


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    minimum_wage = DecimalField(
        _l("Monthly minimum wage (yuan)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"))],
    )
    minimum_wage_note = StringField(_l("Source of the minimum wage"), validators=[Length(max=200)])
    response_days = _days(_l("Days to answer a written request"))
    day_counting = SelectField(
        _l("Day counting"),
        choices=choices([(CALENDAR_DAYS, _l("Calendar days")), (WORKING_DAYS, _l("Working days"))]),
    )
    data_supply_days = IntegerField(
        _l("Data supplied days before talks"),
        validators=[InputRequired(), NumberRange(min=0, max=60)],
    )
    refill_days = _days(_l("Days to refill a representative's seat"))
    dispute_days = _days(_l("Days of dispute coordination"))
    dispute_extension_days = IntegerField(
        _l("Extension of dispute coordination (days)"),
        validators=[InputRequired(), NumberRange(min=0, max=60)],
    )
    filing_days = _days(_l("Days to file a signed contract"))
    review_days = _days(_l("Days of review by the labour administration"))
    publication_days = _days(_l("Days to publish an effective contract"))
    renewal_window_months = IntegerField(
        _l("Renewal window (months before expiry)"),
        validators=[InputRequired(), NumberRange(min=1, max=12)],
    )
    quorum_numerator = IntegerField(
        _l("Quorum numerator"), validators=[InputRequired(), NumberRange(min=1)]
    )
    quorum_denominator = IntegerField(
        _l("Quorum denominator"), validators=[InputRequired(), NumberRange(min=1)]
    )
    majority_numerator = IntegerField(
        _l("Majority numerator"), validators=[InputRequired(), NumberRange(min=1)]
    )
    majority_denominator = IntegerField(
        _l("Majority denominator"), validators=[InputRequired(), NumberRange(min=2)]
    )
    min_delegates = IntegerField(
        _l("Minimum number of delegates"),
        validators=[InputRequired(), NumberRange(min=1, max=10000)],
    )


class GuidelineForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=1990, max=2100)])
    lower = DecimalField(_l("Lower line (%)"), places=2, validators=[InputRequired()])
    base = DecimalField(_l("Base line (%)"), places=2, validators=[InputRequired()])
    upper = DecimalField(_l("Upper line (%)"), places=2, validators=[InputRequired()])


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)])
    # Trimmed before the length check, as the operation trims it (a pasted code has spaces).
    credit_code = StringField(
        _l("Unified social credit code"),
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired(), Length(min=18, max=18)],
    )
    region_id = SelectField(_l("Region"), coerce=int, choices=[])
    industry = StringField(_l("Industry"), validators=[DataRequired(), Length(max=64)])
    headcount = IntegerField(_l("Headcount"), validators=[InputRequired(), NumberRange(min=1)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    legal_representative = StringField(_l("Legal representative"), validators=[Length(max=64)])
    union_chair_id = SelectField(_l("Union chair"), coerce=int, choices=[])

    def __init__(self, regions, union_reps=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id.choices = choices((r.id, r.name) for r in regions)
        self.union_chair_id.choices = choices(
            [(0, _l("Not named"))] + [(u.id, f"{u.full_name} ({u.username})") for u in union_reps]
        )


class HolidayScheduleForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    holidays = TextAreaField(_l("Holidays (放假)"), validators=[DataRequired()])
    workdays = TextAreaField(_l("Weekend days worked in exchange (调休上班)"))
    source = StringField(
        _l("Source (the State Council's notice)"), validators=[DataRequired(), Length(max=300)]
    )
