"""Command-line tools: `flask users`, `flask places`, `flask themes`, `flask demo`,
`flask contracts`, `flask pb`, `flask digests`, `flask worker`, `flask dev`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from models import DomainError, Role, User, db
from models.voting.pb_rules import RULES

users_cli = AppGroup("users", help="Manage accounts.")
places_cli = AppGroup("places", help="Import wards, postcodes and deprivation.")
themes_cli = AppGroup("themes", help="Priority themes and measures.")
demo_cli = AppGroup("demo", help="The demo borough.")
digests_cli = AppGroup("digests", help="Email digests and the suppliers' newsletter.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create the first administrator (or make an existing account one)."""
    from models.people.accounts import find_user_by_email, register_user, verify_email

    existing = find_user_by_email(email)
    try:
        if existing is not None:
            existing.role = Role.ADMIN.value
            user = existing
        else:
            user = register_user(name, email, password, role=Role.ADMIN)
        verify_email(user, user.email)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"{user.email} is an administrator.")


@places_cli.command("import-wards")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_wards_command(path: str) -> None:
    """Import wards from an ONS GeoJSON file."""
    from models.places.wards import import_wards

    try:
        report = import_wards(Path(path).read_bytes())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Wards: {report.summary()}")


@places_cli.command("import-postcodes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_postcodes_command(path: str) -> None:
    """Import a postcode-to-ward CSV (Code-Point Open extract or ONSPD)."""
    from models.places.wards import import_postcodes

    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            report = import_postcodes(handle)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Postcodes: {report.summary()}")


@places_cli.command("import-imd")
@click.argument("imd_csv", type=click.Path(exists=True, dir_okay=False))
@click.argument("lsoa_geojson", type=click.Path(exists=True, dir_okay=False))
def import_imd_command(imd_csv: str, lsoa_geojson: str) -> None:
    """Set each ward's deprivation (mean IMD 2019 rank of the LSOAs inside it), used by matching."""
    from models.places.deprivation import import_imd

    try:
        report = import_imd(Path(imd_csv).read_text(encoding="utf-8-sig"), Path(lsoa_geojson).read_text(encoding="utf-8"))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Ward deprivation: {report.summary()}")


@themes_cli.command("seed")
def seed_themes_command() -> None:
    """Add Brent's five priority themes and example measures where missing."""
    from models.places.themes import seed_themes

    added = seed_themes()
    db.session.commit()
    click.echo(f"Themes: {added} added.")


@demo_cli.command("load")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="The shared/data folder.")
def demo_load(data_dir: str | None) -> None:
    """Build the demo borough (Brent) from the real ward and postcode files. Idempotent."""
    from brokerage.demo import DEMO_PASSWORD, load_demo

    try:
        summary = load_demo(data_dir)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(summary)
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    from brokerage.demo import DEMO_USERS

    for email, _name, _role, note in DEMO_USERS:
        click.echo(f"  {email:<24} {note}")


@demo_cli.command("load-if-empty")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
@click.pass_context
def demo_load_if_empty(ctx: click.Context, data_dir: str | None) -> None:
    """Load the demo borough only when the database has no accounts yet."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has data: demo not loaded.")
        from brokerage.demo import DEMO_PASSWORD, DEMO_USERS

        if db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])):
            click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
            for email, _name, _role, note in DEMO_USERS:
                click.echo(f"  {email:<24} {note}")
        return
    ctx.invoke(demo_load, data_dir=data_dir)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of forking.")
@click.option("--cron/--no-cron", default=True, help="Also run the periodic jobs (workers/schedule.py).")
@click.argument("queues", nargs=-1)
def worker_command(burst: bool, simple: bool, cron: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker (with its scheduler and the periodic jobs) on the app's Redis,
    restarting any of them that dies (brokerage/supervisor.py)."""
    import logging

    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES, REDIS_DOWN
    from brokerage.supervisor import ChildSpec, Supervisor
    from brokerage.worker import make_worker, redis_answers, run_cron, run_rq_worker
    from workers.pending import enqueue_pending
    from workers.schedule import parse_schedule

    app = current_app._get_current_object()
    names = list(queues or QUEUES)
    if cron and not burst:
        try:
            parse_schedule(app.config.get("PERIODIC_SCHEDULE"))
        except ValueError as error:
            raise click.ClickException(str(error))
    # Jobs kept in the database while Redis was unreachable go on their queues first.
    try:
        waiting = enqueue_pending(rq.connection)
    except REDIS_DOWN as error:
        db.session.rollback()
        if burst:
            raise click.ClickException(f"Redis cannot be reached ({type(error).__name__})")
        waiting = 0
        click.echo("Redis cannot be reached yet: jobs kept in the database are enqueued once it answers")
    if waiting:
        click.echo(f"Enqueued {waiting} job{'' if waiting == 1 else 's'} kept while Redis was unreachable")
    if burst:
        worker = make_worker(app, names, rq.connection, simple=simple)
        click.echo(f"Worker listening on {', '.join(names)}")
        worker.work(burst=True, with_scheduler=True)
        return

    if not logging.getLogger("brokerage.worker").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logging.getLogger("brokerage.worker").addHandler(handler)
        logging.getLogger("brokerage.worker").setLevel(logging.INFO)
    # The processes get their own connections: none of ours may cross the fork.
    db.session.remove()
    db.engine.dispose()
    rq.connection.close()
    children = [ChildSpec("rq-worker", lambda: run_rq_worker(app, names, simple))]
    if cron:
        children.append(ChildSpec("cron", lambda: run_cron(app)))
    click.echo(f"Worker listening on {', '.join(names)}" + (" with periodic jobs" if cron else ""))
    supervisor = Supervisor(
        children,
        redis_reachable=lambda: redis_answers(app.config["REDIS_URL"]),
        backoff=app.config["WORKER_BACKOFF_SECONDS"],
        backoff_max=app.config["WORKER_BACKOFF_MAX_SECONDS"],
        max_restarts=app.config["WORKER_MAX_RESTARTS"],
    )
    code = supervisor.run()
    if code:
        click.echo("Worker: a process could not be restarted; exiting so that the platform restarts the worker", err=True)
        sys.exit(code)


def dev_environment(environ: dict[str, str], host: str, port: int, redis_url: str) -> dict[str, str]:
    """The environment of `flask dev`'s web process and worker: the embedded Redis they
    share, and links in email that point at this server (its port) unless BASE_URL is set."""
    env = dict(environ, REDIS_URL=redis_url)
    if not env.get("BASE_URL", "").strip():
        if host in ("", "0.0.0.0", "::"):  # every interface: this machine is still one of them
            host = "127.0.0.1"
        env["BASE_URL"] = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    return env


@click.command("dev")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int, help="The port to serve on; links in email use it unless BASE_URL is set.")
def dev_command(host: str, port: int) -> None:
    """Serve the app and a worker together, sharing the embedded Redis."""
    env = dev_environment(dict(os.environ), host, port, current_app.config["REDIS_URL"])
    flask = [sys.executable, "-m", "flask", "--app", "brokerage"]
    processes = [
        subprocess.Popen([*flask, "run", "--host", host, "--port", str(port), "--no-reload"], env=env),
        subprocess.Popen([*flask, "worker"], env=env),
    ]
    click.echo(f"Serving on http://{host}:{port} with a worker (Ctrl+C to stop); links in email: {env['BASE_URL']}")

    def stop(*_args) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, lambda *args: (stop(), sys.exit(0)))
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def init_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(places_cli)
    app.cli.add_command(themes_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(digests_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(dev_command)
    app.cli.add_command(contracts_cli)
    app.cli.add_command(pb_cli)
    app.cli.add_command(tenders_cli)


contracts_cli = AppGroup("contracts", help="Council contracts and their social value commitments.")


@contracts_cli.command("import-ocds")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Import without asking, once the preview is printed.")
def import_ocds_command(path: str, yes: bool) -> None:
    """Preview importing contracts from an Open Contracting (OCDS) JSON file: what would be
    created, updated and skipped, with each release's ocid and the reason. Then import it,
    when confirmed (or with --yes), as an import batch that can be undone."""
    from models.contracts.ocds_import import MAX_OCDS_BYTES, import_ocds, plan_import

    if os.path.getsize(path) > MAX_OCDS_BYTES:
        raise click.ClickException(f"The file is too large: Open Contracting files must be {MAX_OCDS_BYTES // (1024 * 1024)} MB or smaller.")
    data = Path(path).read_bytes()
    try:
        plan = plan_import(data)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    buyer = ", ".join(plan.buyer.names + plan.buyer.ids)
    click.echo(f"This council, as a buyer: {buyer or 'not set (set it in the admin Council settings)'}")
    words = {"create": "create", "update": "update", "unchanged": "same", "skip": "skip"}
    for item in plan.items:
        title = f"  {item.title} ({item.supplier}{', new supplier' if item.new_supplier else ''})" if item.title else ""
        click.echo(f"{words[item.action]:<7}{item.ocid or item.where}{title}: {item.reason}")
    click.echo(f"Preview: {plan.summary()}")
    db.session.rollback()  # the plan wrote nothing; start the import afresh
    if not plan.changes_anything:
        click.echo("Nothing to import.")
        return
    if not yes:
        click.confirm("Import these contracts?", abort=True)
    try:
        report = import_ocds(data, expected_digest=plan.digest, file_name=Path(path).name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Contracts: {report.summary()}")
    click.echo(f"Import {report.batch_id}: undo it with `flask contracts undo-import {report.batch_id}`.")


@contracts_cli.command("undo-import")
@click.argument("batch_id", type=int)
@click.option("--yes", is_flag=True, help="Undo without asking.")
def undo_import_command(batch_id: int, yes: bool) -> None:
    """Undo an import of contracts: remove what it created and restore what it updated,
    unless something depends on it."""
    from models.contracts.import_batches import undo_blockers, undo_import
    from models.contracts.models import ImportBatch

    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"There is no import {batch_id}.")
    blockers = undo_blockers(batch)
    if blockers:
        raise click.ClickException("This import cannot be undone: " + " ".join(blockers))
    click.echo(
        f"Import {batch.id} of {batch.file_name or 'a file'}: {batch.created_count} created, "
        f"{batch.updated_count} updated, {batch.suppliers_created_count} new suppliers."
    )
    if not yes:
        click.confirm("Undo it?", abort=True)
    try:
        done = undo_import(batch, None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(
        f"Undone: {done['contracts_removed']} contracts removed, {done['contracts_restored']} restored, "
        f"{done['suppliers_removed']} suppliers removed."
    )


tenders_cli = AppGroup("tenders", help="Tenders before award: bid packs and sealed offers.")


@tenders_cli.command("import-ocds")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--officer", "officer_email", required=True, help="The officer the tenders are recorded by (their email).")
def import_tenders_command(path: str, officer_email: str) -> None:
    """Record the council's tenders from the tender-stage releases of an OCDS file (and award
    recorded tenders whose award release it holds); every other release is listed as skipped."""
    from datetime import date

    from models.contracts.ocds_import import MAX_OCDS_BYTES
    from models.people.accounts import find_user_by_email
    from models.tenders.ocds import import_tenders

    officer = find_user_by_email(officer_email)
    if officer is None or not officer.is_officer:
        raise click.ClickException(f"{officer_email} is not a council officer's account.")
    if os.path.getsize(path) > MAX_OCDS_BYTES:
        raise click.ClickException(f"The file is too large: Open Contracting files must be {MAX_OCDS_BYTES // (1024 * 1024)} MB or smaller.")
    try:
        result = import_tenders(Path(path).read_bytes(), officer, date.today())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(result.summary())


pb_cli = AppGroup("pb", help="Participatory budgeting: count real elections in the Pabulib format.")


@pb_cli.command("tally")
@click.argument("path")  # checked by tally_file, so that errors read as pb-tally's do
@click.option("--rule", type=click.Choice(RULES), required=True)
def pb_tally_command(path: str, rule: str) -> None:
    """Count a Pabulib .pb file under a rule and print the selected project ids, one a line.

    Ranked and points ballots are counted as the set of projects they list. Needs no database:
    the `pb-tally` console script does the same without starting the app."""
    from pb_tally import TallyError, tally_file

    try:
        selected = tally_file(path, rule)
    except TallyError as error:
        raise click.ClickException(str(error))
    for project_id in selected:
        click.echo(project_id)


@pb_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--officer", "officer_email", help="The officer recorded as importing it (default: the first admin or officer).")
def pb_import_command(path: str, officer_email: str | None) -> None:
    """Import a Pabulib .pb file as a closed round, counted under every rule."""
    from models.voting.pabulib import MAX_PB_BYTES
    from models.voting.round_pabulib import import_pb_round
    from models.voting.count import count_round

    if os.path.getsize(path) > MAX_PB_BYTES:
        raise click.ClickException(f"The file is too large: Pabulib files must be {MAX_PB_BYTES // (1024 * 1024)} MB or smaller.")
    query = select(User).where(User.role.in_((Role.OFFICER.value, Role.ADMIN.value))).order_by(User.id)
    if officer_email:
        query = select(User).where(User.email == officer_email.strip().lower())
    officer = db.session.scalars(query).first()
    if officer is None or not officer.is_officer:
        raise click.ClickException("No officer to record the import against: create one first (flask users create-admin).")
    try:
        report = import_pb_round(Path(path).read_bytes(), officer)
        count_round(report.round_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    click.echo(f"Round {report.round_id}: {report.options:,} options and {report.ballots:,} ballots, counted.")


def _report(counts: dict[str, int]) -> str:
    return f"{counts['queued']} queued for sending, {counts['empty']} with nothing to say"


@digests_cli.command("send")
@click.option(
    "--frequency", type=click.Choice(["weekly", "monthly", "quarterly"]), required=True, help="Which digests to send."
)
@click.option("--now", is_flag=True, help="Build them here and now instead of enqueuing a job for the worker.")
def digests_send(frequency: str, now: bool) -> None:
    """Send this period's digests to everyone due one, whatever the schedule.
    Anyone who already had this period's digest is skipped."""
    from brokerage.extensions import rq
    from workers.digests import send_digest_run, send_digests

    if now:
        click.echo(f"{frequency.capitalize()} digests: {_report(send_digests(frequency))}.")
        click.echo("A running worker delivers them (`flask worker`, or `make run`).")
    else:
        job = rq.enqueue(send_digest_run, frequency)
        click.echo(f"Enqueued the {frequency} digests" + (f" (job {job.id})." if job else " (kept until Redis is back)."))


@digests_cli.command("newsletter")
@click.option("--now", is_flag=True, help="Build them here and now instead of enqueuing a job for the worker.")
def digests_newsletter(now: bool) -> None:
    """Send this quarter's newsletter to every supplier member who has not had it."""
    from brokerage.extensions import rq
    from workers.digests import send_newsletter_run, send_newsletters

    if now:
        click.echo(f"Newsletter: {_report(send_newsletters())}.")
        click.echo("A running worker delivers them (`flask worker`, or `make run`).")
    else:
        job = rq.enqueue(send_newsletter_run)
        click.echo("Enqueued the newsletter" + (f" (job {job.id})." if job else " (kept until Redis is back)."))


@digests_cli.command("preview")
@click.argument("email")
@click.option("--frequency", type=click.Choice(["weekly", "monthly", "quarterly"]), default="monthly")
def digests_preview(email: str, frequency: str) -> None:
    """Print the plain-text digest this person would get now (nothing is sent)."""
    from models.people.accounts import find_user_by_email
    from models.digests.content import DigestBuilder
    from models.digests.periods import period_for
    from models import utcnow
    from workers.digests import render_digest

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}")
    now = utcnow()
    [digest] = DigestBuilder(period_for(frequency, now), now).build([user.id])
    rendered = render_digest(digest)
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.text)
