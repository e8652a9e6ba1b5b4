"""Pages anyone can see."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request
from sqlalchemy import func, select

from brokerage.extensions import limiter
from brokerage.public import bp
from brokerage.forms.places import PostcodeForm
from models import Organisation, OrganisationStatus, Theme, Ward, db
from models.reporting.ledger import LedgerFilters, ledger_page, ledger_totals
from models.places.wards import ward_postcode_counts

WARD_NEEDS_COUNT_CAP = 1_000  # a ward's page counts its open needs this far ("See all more than 1,000")


@bp.route("/")
def home():
    counts = {
        "wards": db.session.scalar(select(func.count()).select_from(Ward)),
        "groups": db.session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.kind == "vcse", Organisation.status == OrganisationStatus.VERIFIED.value)
        ),
        "suppliers": db.session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.kind == "supplier", Organisation.status == OrganisationStatus.VERIFIED.value)
        ),
    }
    themes = db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position)).all()
    return render_template("public/home.html", counts=counts, themes=themes, form=PostcodeForm(meta={"csrf": False}))


@bp.route("/postcode")
def postcode():
    form = PostcodeForm(request.args, meta={"csrf": False})
    ward = None
    if request.args.get("postcode") is not None and form.validate():
        ward = form.postcode.postcode_row.ward
    return render_template("public/postcode.html", form=form, ward=ward)


@bp.route("/wards")
def wards():
    all_wards = db.session.scalars(select(Ward).order_by(Ward.name)).all()
    return render_template("public/wards.html", wards=all_wards, postcode_counts=ward_postcode_counts())


@bp.route("/wards/<code>")
def ward(code: str):
    found = db.session.scalar(select(Ward).where(Ward.code == code))
    if found is None:
        abort(404)
    groups = db.session.scalars(
        select(Organisation)
        .where(Organisation.ward_id == found.id, Organisation.status == OrganisationStatus.VERIFIED.value)
        .order_by(Organisation.name)
        .limit(50)
    ).all()
    from datetime import date

    from brokerage.pagination import paginate
    from models.needs.search import NeedFilters, public_needs_query

    from models import Round, utcnow

    # Ten open needs and a link to the rest, counted to WARD_NEEDS_COUNT_CAP: the link needs
    # no more, and counting a busy ward's open needs to 10,000 was half this page's SQL.
    needs_page = paginate(public_needs_query(NeedFilters(ward=found.code, still_open=True), date.today()), per_page=10,
                          cap=WARD_NEEDS_COUNT_CAP)
    rounds = db.session.scalars(
        select(Round)
        .where(Round.ward_id == found.id, Round.state.in_(("open", "closed", "published")))
        .order_by(Round.closes_at.desc())
        .limit(5)
    ).all()
    deliveries = LedgerFilters(ward=found.code)
    from models.ideas.ideas import ward_ideas_phases

    return render_template(
        "public/ward.html", ward=found, groups=groups, needs_page=needs_page, rounds=rounds, now=utcnow(),
        ideas_phases=ward_ideas_phases(found.id, utcnow()),
        deliveries=ledger_page(deliveries, 1, 5), delivery_totals=ledger_totals(deliveries),
    )


@bp.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/cookies")
def cookies():
    return render_template("public/cookies.html")


@bp.route("/about-the-data")
def about_data():
    return render_template("public/about_data.html")


# Health checks for load balancers and monitors (brokerage/health.py): no sign-in, no
# rate limit, nothing cached.


@bp.route("/healthz")
@limiter.exempt
def health():
    """Liveness: the process answers. It touches nothing else."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/readyz")
@limiter.exempt
def ready():
    """Readiness: database, Redis, migrations, a worker's heartbeat, the cron's last run."""
    from brokerage.health import readiness

    body, status = readiness()
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
