"""Administrators import ward-level indicators (such as the Social Progress Index) and choose
which one matching and the ward map use (models/places/indicators.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from brokerage.admin import bp
from brokerage.admin.indicator_problems import indicator_problem
from brokerage.decorators import admin_required
from brokerage.forms.places import IndicatorChoiceForm, IndicatorsUploadForm
from brokerage.views import apply_rule
from brokerage.rule_messages import translate_label
from models import db
from models.core.settings import get_setting
from models.places.indicators import (
    COLUMNS, DIRECTION_SETTING, IMD, IMD_CHOICE, MAX_BYTES, SETTING, chosen_indicator, choose_indicator,
    import_indicators, imported_indicators,
)


def indicator_choice_form() -> IndicatorChoiceForm:
    form = IndicatorChoiceForm(data={"indicator": get_setting(SETTING) or IMD,
                                     "direction": get_setting(DIRECTION_SETTING) or "lower"})
    form.indicator.choices = [SelectChoice(IMD, _("%(name)s: %(source)s %(year)s (the default)", name=translate_label(IMD_CHOICE.name),
                                                  source=translate_label(IMD_CHOICE.source), year=IMD_CHOICE.year))] + [
        SelectChoice(found.indicator, ngettext("%(indicator)s: %(source)s %(year)s, %(num)s ward",
                                               "%(indicator)s: %(source)s %(year)s, %(num)s wards", found.wards,
                                               indicator=found.indicator, source=found.source, year=found.year))
        for found in imported_indicators()
    ]
    return form


@bp.context_processor
def _indicator_choice():
    # The settings page shows the indicator choice as its own form (admin/_indicator_choice.html).
    return {"indicator_choice_form": indicator_choice_form}


@bp.route("/indicators", methods=["GET", "POST"])
@admin_required
def indicators():
    form = IndicatorsUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        result = import_indicators(form.file.data.read(MAX_BYTES + 1), current_user)
        if result.problems:
            db.session.rollback()
            problems = [indicator_problem(problem) for problem in result.problems]
            form.file.errors = [ngettext("Nothing was saved: %(num)s problem to put right", "Nothing was saved: %(num)s problems to put right",
                                          len(problems))]
        else:
            db.session.commit()
            flash(_("%(created)s figures added, %(updated)s changed, %(unchanged)s unchanged.", created=f"{result.created:,}",
                    updated=f"{result.updated:,}", unchanged=f"{result.unchanged:,}"), "success")
            return redirect(url_for("admin.indicators"))
    return render_template("admin/indicators.html", form=form, problems=problems, columns=COLUMNS,
                           found=imported_indicators(), chosen=chosen_indicator()), (400 if form.errors else 200)


@bp.route("/settings/indicator", methods=["GET", "POST"])
@admin_required
def indicator_setting():
    form = indicator_choice_form()
    if form.validate_on_submit():
        if apply_rule(lambda: choose_indicator(form.indicator.data, form.direction.data == "higher", current_user), form):
            flash(_("Local indicator saved."), "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/indicator_setting.html", form=form), (400 if form.errors else 200)
