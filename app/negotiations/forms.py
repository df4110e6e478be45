"""Forms of the negotiation pages: the written request (要约书), the answers, representatives,
rounds and minutes, the wage-grid proposal (能级工资表) and the draft's clauses."""

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from app.clock import CHINA
from app.forms import choices
from app.orgs.forms import yuan_to_fen
from workflows.rules import SIDE_LABELS, TERM_YEARS, GradeRow

# The browser's datetime-local value; entered in China's time, stored in UTC.
LOCAL_MINUTES = "%Y-%m-%dT%H:%M"
# Far above any monthly wage, far below what the fen columns hold.
MOST_YUAN = Decimal(1_000_000)


def term_choices():
    # 集体合同规定 Art 38: a term of 1 to 3 years.
    return choices((n, lazy_ngettext("%(num)d year", "%(num)d years", n)) for n in TERM_YEARS)


def in_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def local_datetime(label):
    return DateTimeLocalField(label, format=LOCAL_MINUTES, tz=CHINA)


def monthly_yuan(form, field) -> None:
    """An amount in yuan a month with at most two decimals: fen are never rounded away."""
    value = field.data
    if value is None:
        return
    if not value.is_finite():
        raise StopValidation(_l("Enter an amount in yuan."))
    if abs(value) > MOST_YUAN:
        raise StopValidation(_l("At most %(most)s yuan a month.", most=f"{MOST_YUAN:,}"))
    if value * 100 != (value * 100).to_integral_value():
        raise StopValidation(_l("At most two decimals (fen)."))


class ActionForm(FlaskForm):
    """A button that needs no input besides the CSRF token."""


class RequestForm(FlaskForm):
    """The written request (要约书): subject, proposed term, topics, proposed time and place."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    term_years = SelectField(_l("Proposed term"), coerce=int, default=2)
    topics = TextAreaField(_l("Topics to negotiate"), validators=[DataRequired()])
    proposed_at = local_datetime(_l("Proposed time of the first meeting"))
    proposed_place = StringField(_l("Proposed place"), validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.term_years.choices = term_choices()
        self.proposed_at.validators = [Optional()]

    def values(self) -> dict:
        return {
            "subject": self.subject.data,
            "term_years": self.term_years.data,
            "topics": self.topics.data,
            "proposed_at": in_utc(self.proposed_at.data),
            "proposed_place": self.proposed_place.data or "",
        }


class AcceptForm(FlaskForm):
    topics = TextAreaField(_l("Your own topics (optional)"))


class RefuseForm(FlaskForm):
    # 集体合同规定 Art 32: no refusal without a proper reason (正当理由).
    reason = TextAreaField(_l("Reason for refusing"), validators=[DataRequired()])


class SuspensionForm(FlaskForm):
    resume_on = DateField(_l("Resume the talks on"), validators=[InputRequired()])


class ExtensionForm(FlaskForm):
    days = IntegerField(
        _l("Extend by (days)"), validators=[InputRequired(), NumberRange(min=1, max=60)]
    )


class AbandonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"))


class RepresentativeForm(FlaskForm):
    """Appoint a representative: a member by username, or an outside expert by name."""

    side = SelectField(_l("Side"))
    username = StringField(_l("Username of a member"), validators=[Length(max=64)])
    name = StringField(_l("Name of the outside expert"), validators=[Length(max=64)])
    position = StringField(_l("Position"), validators=[Length(max=64)])
    is_chief = BooleanField(_l("Chief representative"))
    is_outside_expert = BooleanField(_l("Outside expert (not of the enterprise)"))
    delegated_in_writing = BooleanField(_l("Delegated in writing"))

    def __init__(self, sides, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.side.choices = choices((s, _l(SIDE_LABELS[s])) for s in sides)


class RecorderForm(FlaskForm):
    username = StringField(
        _l("Username of the recorder"), validators=[DataRequired(), Length(max=64)]
    )


class RoundForm(FlaskForm):
    held_at = local_datetime(_l("Time"))
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_at.validators = [InputRequired()]


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), validators=[DataRequired()])


class GradeRowForm(SubForm):
    """One grade of the ladder: base wage and skill allowance in yuan a month, headcount.

    Negative figures pass here on purpose: the grid's rules name the grade and the figure.
    """

    base = DecimalField(
        _l("Base wage (yuan)"), places=2, validators=[InputRequired(), monthly_yuan]
    )
    allowance = DecimalField(
        _l("Skill allowance (yuan)"), places=2, validators=[InputRequired(), monthly_yuan]
    )
    headcount = IntegerField(
        _l("Workers"), validators=[InputRequired(), NumberRange(max=1_000_000)]
    )


class ProposalForm(FlaskForm):
    rows = FieldList(FormField(GradeRowForm))
    note = TextAreaField(_l("Note (optional)"))

    def grade_rows(self, grades: list[str]) -> list[GradeRow]:
        return [
            GradeRow(
                grade,
                yuan_to_fen(entry.base.data),
                yuan_to_fen(entry.allowance.data),
                entry.headcount.data,
            )
            for grade, entry in zip(grades, self.rows.entries, strict=True)
        ]


def grid_data(rows: list[GradeRow | None]) -> dict:
    """Grid rows as the proposal form's data, in yuan; a missing row starts empty."""
    return {
        "rows": [
            {
                "base": Decimal(r.base_fen).scaleb(-2),
                "allowance": Decimal(r.allowance_fen).scaleb(-2),
                "headcount": r.headcount,
            }
            if r is not None
            else {}
            for r in rows
        ]
    }


class ClausesForm(FlaskForm):
    """The clauses besides the grid: term, annual adjustment rule, pay day."""

    term_years = SelectField(_l("Term"), coerce=int)
    adjustment_rule = TextAreaField(_l("Annual wage adjustment rule"))
    pay_day = IntegerField(
        _l("Pay day (day of the month)"), validators=[Optional(), NumberRange(min=1, max=31)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.term_years.choices = term_choices()


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Text"), validators=[DataRequired()])
