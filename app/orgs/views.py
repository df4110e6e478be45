"""The home page, enterprise pages, and the administration of regions and enterprises."""

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit.operations import history
from app.auth import operations as auth_operations
from app.auth.access import admin_required, require_admin
from app.auth.forms import MembershipForm
from app.auth.models import ROLE_LABELS, Membership, Role, User
from app.contracts.access import visible_contracts_query
from app.contracts.models import Contract
from app.errors import InvalidInput
from app.extensions import db
from app.forms import show_errors
from app.negotiations.access import visible_negotiations_query
from app.negotiations.models import Negotiation
from app.orgs import operations
from app.orgs.access import get_enterprise_or_404, roles_in, visible_enterprises_query
from app.orgs.forms import (
    EnterpriseForm,
    GuidelineForm,
    HolidayScheduleForm,
    RegionForm,
    percent_to_bp,
    yuan_to_fen,
)
from app.orgs.models import Enterprise, Region
from app.orgs.operations import PROFILE_FIELDS
from workflows import calendar as deadline_calendar
from workflows.negotiation import STATE_LABELS
from workflows.rules import RuleProfile

bp = Blueprint("orgs", __name__)
admin_bp = Blueprint("admin_orgs", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
def home():
    enterprises = db.session.scalars(visible_enterprises_query(current_user)).all()
    return render_template("orgs/home.html", enterprises=enterprises, roles=ROLE_LABELS)


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise(enterprise_id: int):
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    members = sorted(enterprise.memberships, key=lambda m: (m.role, m.user.full_name))
    negotiations = db.session.scalars(
        visible_negotiations_query(current_user).where(Negotiation.enterprise_id == enterprise.id)
    ).all()
    contracts = db.session.scalars(
        visible_contracts_query(current_user).where(Contract.enterprise_id == enterprise.id)
    ).all()
    return render_template(
        "orgs/enterprise.html",
        enterprise=enterprise,
        members=members,
        roles=ROLE_LABELS,
        my_roles=roles_in(current_user, enterprise),
        negotiations=negotiations,
        state_labels=STATE_LABELS,
        contracts=contracts,
        sees_work=enterprise.can_view_work(current_user),
    )


def _enterprise_to_administer(enterprise_id: int) -> Enterprise:
    """Load-then-check: outsiders get 404 (they must not learn it exists), members 403."""
    enterprise = get_enterprise_or_404(enterprise_id, current_user)
    require_admin()
    return enterprise


@admin_bp.get("/")
@admin_required
def index():
    return redirect(url_for("admin_orgs.enterprises"))


@admin_bp.get("/regions")
@admin_required
def regions():
    listed = db.session.scalars(select(Region).order_by(Region.name)).all()
    return render_template("admin/regions.html", regions=listed)


def _region_values(form: RegionForm) -> dict:
    values = {name: getattr(form, name).data for name in PROFILE_FIELDS}
    values["minimum_wage_fen"] = yuan_to_fen(form.minimum_wage.data)
    values["minimum_wage_note"] = form.minimum_wage_note.data.strip()
    return values


@admin_bp.route("/regions/new", methods=["GET", "POST"])
@admin_required
def new_region():
    form = RegionForm()
    if request.method == "GET":
        form.process(data=asdict(RuleProfile()))
    if form.validate_on_submit():
        values = _region_values(form)
        try:
            region = operations.create_region(
                form.code.data,
                form.name.data,
                values.pop("minimum_wage_fen"),
                current_user,
                **values,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Region %(name)s created.", name=region.name), "success")
            return redirect(url_for("admin_orgs.edit_region", region_id=region.id))
    status = 422 if form.errors else 200
    return render_template("admin/region_form.html", form=form, region=None), status


@admin_bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@admin_required
def edit_region(region_id: int):
    region = db.get_or_404(Region, region_id)
    form = RegionForm(obj=region)
    guideline_form = GuidelineForm(prefix="g")
    if request.method == "GET":
        form.minimum_wage.data = region.minimum_wage_fen / 100
    form.code.data = region.code  # the code names the region in URLs and the audit log
    if form.validate_on_submit():
        try:
            operations.update_region(
                region, current_user, name=form.name.data.strip(), **_region_values(form)
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Region %(name)s saved.", name=region.name), "success")
            return redirect(url_for("admin_orgs.edit_region", region_id=region.id))
    status = 422 if form.errors else 200
    return render_template(
        "admin/region_form.html", form=form, region=region, guideline_form=guideline_form
    ), status


@admin_bp.post("/regions/<int:region_id>/guidelines")
@admin_required
def set_guideline(region_id: int):
    region = db.get_or_404(Region, region_id)
    form = RegionForm(obj=region, formdata=None)
    form.minimum_wage.data = region.minimum_wage_fen / 100
    guideline_form = GuidelineForm(prefix="g")
    if guideline_form.validate_on_submit():
        try:
            operations.set_guideline(
                region,
                guideline_form.year.data,
                percent_to_bp(guideline_form.lower.data),
                percent_to_bp(guideline_form.base.data),
                percent_to_bp(guideline_form.upper.data),
                current_user,
            )
        except InvalidInput as exc:
            show_errors(guideline_form, exc)
        else:
            flash(_("Wage guideline for %(year)d saved.", year=guideline_form.year.data), "success")
            return redirect(url_for("admin_orgs.edit_region", region_id=region.id))
    return render_template(
        "admin/region_form.html", form=form, region=region, guideline_form=guideline_form
    ), 422


@admin_bp.get("/enterprises")
@admin_required
def enterprises():
    listed = db.session.scalars(select(Enterprise).order_by(Enterprise.name)).all()
    return render_template("admin/enterprises.html", enterprises=listed)


def _enterprise_values(form: EnterpriseForm) -> dict:
    return {
        "name": form.name.data,
        "credit_code": form.credit_code.data,
        "region": db.session.get(Region, form.region_id.data),
        "industry": form.industry.data,
        "headcount": form.headcount.data,
        "address": form.address.data or "",
        "legal_representative": form.legal_representative.data or "",
    }


@admin_bp.route("/enterprises/new", methods=["GET", "POST"])
@admin_required
def new_enterprise():
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    form = EnterpriseForm(regions)
    del form.union_chair_id  # a new enterprise has no union representative to name yet
    if form.validate_on_submit():
        try:
            enterprise = operations.create_enterprise(
                actor=current_user, **_enterprise_values(form)
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Enterprise %(name)s created.", name=enterprise.name), "success")
            return redirect(url_for("admin_orgs.edit_enterprise", enterprise_id=enterprise.id))
    status = 422 if form.errors else 200
    return render_template("admin/enterprise_form.html", form=form, enterprise=None), status


def _union_reps(enterprise: Enterprise) -> list[User]:
    return sorted(
        {m.user for m in enterprise.memberships if m.role == Role.UNION_REP},
        key=lambda u: u.full_name,
    )


def _render_enterprise_admin(enterprise, form, membership_form, status=200):
    members = sorted(enterprise.memberships, key=lambda m: (m.role, m.user.full_name))
    return render_template(
        "admin/enterprise_form.html",
        form=form,
        enterprise=enterprise,
        members=members,
        membership_form=membership_form,
        roles=ROLE_LABELS,
        history=history(enterprise),
    ), status


@admin_bp.route("/enterprises/<int:enterprise_id>", methods=["GET", "POST"])
@login_required
def edit_enterprise(enterprise_id: int):
    enterprise = _enterprise_to_administer(enterprise_id)
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    form = EnterpriseForm(regions, _union_reps(enterprise), obj=enterprise)
    if request.method == "GET":
        form.union_chair_id.data = enterprise.union_chair_id or 0
    if form.validate_on_submit():
        values = _enterprise_values(form)
        values["union_chair"] = (
            db.session.get(User, form.union_chair_id.data) if form.union_chair_id.data else None
        )
        try:
            operations.update_enterprise(enterprise, current_user, **values)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Enterprise %(name)s saved.", name=enterprise.name), "success")
            return redirect(url_for("admin_orgs.edit_enterprise", enterprise_id=enterprise.id))
    return _render_enterprise_admin(
        enterprise, form, MembershipForm(prefix="m"), 422 if form.errors else 200
    )


@admin_bp.post("/enterprises/<int:enterprise_id>/memberships")
@login_required
def add_membership(enterprise_id: int):
    enterprise = _enterprise_to_administer(enterprise_id)
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    form = EnterpriseForm(regions, _union_reps(enterprise), obj=enterprise, formdata=None)
    membership_form = MembershipForm(prefix="m")
    if membership_form.validate_on_submit():
        user = auth_operations.find_user(membership_form.username.data)
        if user is None:
            membership_form.username.errors = [
                _("No user is called %(name)s.", name=membership_form.username.data)
            ]
        else:
            try:
                auth_operations.add_membership(
                    user, enterprise, membership_form.role.data, current_user
                )
            except InvalidInput as exc:
                show_errors(membership_form, exc)
            else:
                flash(_("%(name)s added.", name=user.full_name), "success")
                return redirect(url_for("admin_orgs.edit_enterprise", enterprise_id=enterprise.id))
    return _render_enterprise_admin(enterprise, form, membership_form, 422)


@admin_bp.post("/memberships/<int:membership_id>/delete")
@login_required
def remove_membership(membership_id: int):
    membership = db.get_or_404(Membership, membership_id)
    enterprise_id = _enterprise_to_administer(membership.enterprise_id).id
    auth_operations.remove_membership(membership, current_user)
    flash(_("Membership removed."), "success")
    return redirect(url_for("admin_orgs.edit_enterprise", enterprise_id=enterprise_id))


@admin_bp.route("/calendar", methods=["GET", "POST"])
@admin_required
def calendar():
    """The holiday schedules: the package's years, and those entered from the official notice."""
    form = HolidayScheduleForm()
    if request.method == "GET":
        form.year.data = deadline_calendar.covered_years()[-1] + 1
    if form.validate_on_submit():
        try:
            moved = operations.set_holiday_schedule(
                form.year.data,
                form.holidays.data,
                form.workdays.data or "",
                form.source.data,
                current_user,
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(
                _(
                    "The holiday schedule of %(year)d is saved; deadlines in that year now count "
                    "with it.",
                    year=form.year.data,
                )
                + " "
                + ngettext(
                    "%(num)d provisional deadline moved; its parties were told.",
                    "%(num)d provisional deadlines moved; their parties were told.",
                    len(moved),
                ),
                "success",
            )
            return redirect(url_for("admin_orgs.calendar"))
    return render_template(
        "admin/calendar.html",
        form=form,
        schedules=operations.holiday_schedules(),
        package_years=deadline_calendar.PACKAGE_YEARS,
        covered=deadline_calendar.covered_years(),
        provisional_count=operations.provisional_deadline_count(),
    ), 422 if form.errors else 200
