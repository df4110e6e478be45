"""Forms of the contract pages: the signature (签字), a refusal to sign, the review opinion
(审查意见), the record of publication (公布) and the public verification upload (验证)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class SignForm(FlaskForm):
    """The signer re-enters their password (it unlocks their own key) and types their name;
    the hash pins the very revision they were shown."""

    document_sha256 = HiddenField(validators=[DataRequired()])
    full_name = StringField(
        _l("Your full name"), validators=[DataRequired(), Length(max=100)], default=""
    )
    password = PasswordField(_l("Your password"), validators=[DataRequired()])


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Why you refuse to sign"), validators=[DataRequired()])


class ObjectionForm(FlaskForm):
    # 集体合同规定 Art 46: an objection is a written review opinion (审查意见书).
    opinion = TextAreaField(_l("Written review opinion"), validators=[DataRequired()])


class PublicationForm(FlaskForm):
    side = SelectField(_l("Side"), choices=[])
    published_on = DateField(_l("Published on"), validators=[InputRequired()])
    method = StringField(_l("How it was published"), validators=[DataRequired(), Length(max=200)])


class VerifyForm(FlaskForm):
    file = FileField(
        _l("Contract PDF"),
        validators=[FileRequired(message=_l("Choose the PDF file to check."))],
    )
