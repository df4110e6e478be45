"""Sign-in, profile and administration forms for users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.auth.models import GLOBAL_ROLE_LABELS, ROLE_LABELS
from app.auth.operations import MIN_PASSWORD_LENGTH
from app.forms import choices


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=choices([("zh", "中文"), ("en", "English")]))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=128)]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    global_role = SelectField(_l("Global role"), choices=[])
    region_id = SelectField(_l("Region (labour officers)"), choices=[], coerce=int)
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"), validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=128)]
    )

    def __init__(self, regions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.global_role.choices = choices(
            [("", _l("None"))] + [(role.value, label) for role, label in GLOBAL_ROLE_LABELS.items()]
        )
        self.region_id.choices = choices([(0, _l("None"))] + [(r.id, r.name) for r in regions])


class MembershipForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(
        _l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items())
    )
