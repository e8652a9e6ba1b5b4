"""Administrators configure the council: name, wards, postcodes, themes, measures, roles."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from brokerage.admin import bp
from brokerage.forms.core import SettingsForm
from brokerage.forms.people import RoleForm
from brokerage.forms.places import MeasureForm, PostcodesUploadForm, ThemeForm, WardsUploadForm
from brokerage.views import apply_rule
from brokerage.decorators import admin_required
from brokerage.pagination import paginate
from brokerage.rule_messages import translate_label
from brokerage.tasks import Link, render_task, save_upload, start_task, task_or_404, task_status
from brokerage.officers.job_names import task_description
from models import Measure, Membership, Role, Theme, User, Ward, db, record_event
from models.people.accounts import set_role
from models.places.wards import ward_postcode_counts
from models.core.settings import get_setting, set_setting
from models.places.themes import save_measure, save_theme
from workers.imports import import_postcodes_file, import_wards_file


@bp.route("/")
@admin_required
def index():
    counts = {
        "wards": db.session.scalar(select(func.count()).select_from(Ward)),
        "postcodes": sum(ward_postcode_counts().values()),
        "themes": db.session.scalar(select(func.count()).select_from(Theme)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    from models.contracts.council_buyer import council_buyer, save_council_buyer
    from models.contracts.models import at_risk_rule, council_thresholds
    from models.needs.rules import live_need_cap
    from models.contracts.tiers import Tier
    from models.returns.kpis import RATING_SETTINGS, thresholds as rating_thresholds
    from models.returns.reminders import REMIND_DAYS_KEY, remind_days
    from models.returns.schedule import due_days, follow_tier_changes, months_for_tier, setting_key, tier_schedules

    thresholds = council_thresholds()
    buyer = council_buyer()
    days, share = at_risk_rule()
    form = SettingsForm(
        data={
            "council_name": get_setting("council_name") or current_app.config["COUNCIL_NAME"],
            "live_need_cap": live_need_cap(),
            "tier_basic_from": f"{thresholds.basic_from_pence / 100:,.0f}",
            "tier_kpi_from": f"{thresholds.kpi_from_pence / 100:,.0f}",
            "tier_strategic_over": f"{thresholds.strategic_over_pence / 100:,.0f}",
            "at_risk_days": days,
            "at_risk_percent": round(share * 100),
            **{setting_key(tier): months_for_tier(tier) for tier in Tier},
            "return_due_days": due_days(),
            "return_remind_days": remind_days(),
            **{key: getattr(rating_thresholds(), part) for part, key in RATING_SETTINGS.items()},
            "council_buyer_names": "\n".join(buyer.names),
            "council_buyer_ids": "\n".join(buyer.ids),
        }
    )
    if form.validate_on_submit():
        values = {
            "council_name": form.council_name.data.strip(),
            "live_need_cap": str(form.live_need_cap.data),
            "tier_basic_from_pence": str(form.tier_basic_from.pence),
            "tier_kpi_from_pence": str(form.tier_kpi_from.pence),
            "tier_strategic_over_pence": str(form.tier_strategic_over.pence),
            "at_risk_days": str(form.at_risk_days.data),
            "at_risk_percent": str(form.at_risk_percent.data),
            **{setting_key(tier): str(getattr(form, setting_key(tier)).data) for tier in Tier},
            "return_due_days": str(form.return_due_days.data),
            REMIND_DAYS_KEY: str(form.return_remind_days.data),
            **{key: str(getattr(form, key).data) for key in RATING_SETTINGS.values()},
        }
        def save() -> None:
            before = tier_schedules()
            for key, value in values.items():
                set_setting(key, value)
            # A tier's schedule, or a threshold moving a contract to another tier, never orphans
            # a filed return; empty drafts of periods no longer reported are removed.
            removed = follow_tier_changes(before, current_user, date.today())
            saved = save_council_buyer(form.lines(form.council_buyer_ids), form.lines(form.council_buyer_names))
            detail = {**values, "council_buyer_ids": list(saved.ids), "council_buyer_names": list(saved.names),
                      "removed_drafts": removed}
            record_event("settings.changed", current_user, actor=current_user, detail=detail)

        if apply_rule(save, form):
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/settings.html", form=form)


def _start_import(form, name: str, description: str, job_function, suffix: str):
    path = save_upload(form.file.data, suffix)
    task = start_task(name, description, job_function, path, detail={"file": form.file.data.filename})
    return redirect(url_for("admin.task", task_id=task.id))


@bp.route("/wards", methods=["GET", "POST"])
@admin_required
def wards():
    form = WardsUploadForm()
    if form.validate_on_submit():
        return _start_import(form, "wards_import", task_description("wards_import", file=form.file.data.filename), import_wards_file, ".geojson")
    all_wards = db.session.scalars(select(Ward).order_by(Ward.name)).all()
    return render_template(
        "admin/wards.html", form=form, postcodes_form=PostcodesUploadForm(), wards=all_wards, counts=ward_postcode_counts()
    )


@bp.route("/postcodes", methods=["POST"])
@admin_required
def postcodes():
    form = PostcodesUploadForm()
    if form.validate_on_submit():
        return _start_import(
            form, "postcodes_import", task_description("postcodes_import", file=form.file.data.filename), import_postcodes_file, ".csv"
        )
    all_wards = db.session.scalars(select(Ward).order_by(Ward.name)).all()
    return render_template(
        "admin/wards.html", form=WardsUploadForm(), postcodes_form=form, wards=all_wards, counts=ward_postcode_counts()
    ), 400


@bp.route("/tasks/<task_id>/status")
@admin_required
def task_progress(task_id: str):
    task = task_or_404(task_id)
    return task_status(task, url_for("admin.task", task_id=task.id))


@bp.route("/tasks/<task_id>")
@admin_required
def task(task_id: str):
    return render_task(task_or_404(task_id), back=Link(_("Back to wards and postcodes"), url_for("admin.wards")))


@bp.route("/themes")
@admin_required
def themes():
    all_themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)).all()
    return render_template("admin/themes.html", themes=all_themes)


@bp.route("/themes/new", methods=["GET", "POST"])
@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@admin_required
def theme(theme_id: int | None = None):
    found = db.session.get(Theme, theme_id) if theme_id else None
    if theme_id and found is None:
        abort(404)
    form = ThemeForm(obj=found)
    if form.validate_on_submit():
        if apply_rule(
            lambda: save_theme(found, form.name.data, form.description.data or "", bool(form.active.data), current_user),
            form,
        ):
            flash(_("Theme saved."), "success")
            return redirect(url_for("admin.themes"))
    return render_template("admin/theme.html", form=form, theme=found)


@bp.route("/measures/new", methods=["GET", "POST"])
@bp.route("/measures/<int:measure_id>", methods=["GET", "POST"])
@admin_required
def measure(measure_id: int | None = None):
    found = db.session.get(Measure, measure_id) if measure_id else None
    if measure_id and found is None:
        abort(404)
    form = MeasureForm(obj=found)
    form.theme_id.choices = [SelectChoice(t.id, t.name) for t in db.session.scalars(select(Theme).order_by(Theme.position))]
    if request.method == "GET":
        if found is not None:
            form.need_kind.data = found.need_kind or ""
            if found.proxy_value_pence is not None:
                form.proxy_value.data = f"{found.proxy_value_pence / 100:.2f}"
        elif request.args.get("theme", "").isdigit():
            form.theme_id.data = int(request.args["theme"])
    if form.validate_on_submit():
        theme_row = db.session.get(Theme, form.theme_id.data)
        saved = apply_rule(
            lambda: save_measure(
                found,
                theme_row,
                form.name.data,
                form.unit.data,
                form.proxy_value.pence,
                form.need_kind.data or None,
                bool(form.active.data),
                current_user,
                form.delivered_through.data or "needs",
                bool(form.is_spend.data),
            ),
            form,
        )
        if saved:
            flash(_("Measure saved."), "success")
            return redirect(url_for("admin.themes"))
    return render_template("admin/measure.html", form=form, measure=found)


@bp.route("/users")
@admin_required
def users():
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    page = paginate(query)
    memberships: dict[int, list[Membership]] = {}
    for membership in db.session.scalars(
        select(Membership)
        .where(Membership.user_id.in_([person.id for person in page.items]))
        .options(joinedload(Membership.organisation))
        .order_by(Membership.is_owner.desc(), Membership.created_at)
    ):
        memberships.setdefault(membership.user_id, []).append(membership)
    return render_template("admin/users.html", page=page, search=search, role=role, memberships=memberships)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user(user_id: int):
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    form = RoleForm(data={"role": found.role})
    if form.validate_on_submit():
        if apply_rule(lambda: set_role(found, Role(form.role.data), current_user), form):
            flash(_("%(name)s is now: %(role)s.", name=found.name, role=translate_label(found.role_label).lower()), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user.html", form=form, user=found)
