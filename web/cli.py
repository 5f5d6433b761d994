"""The ``talentflow`` command line: operate the database, the definitions, the demo
commune and campaigns, and travel in time with ``--at`` (the engine's clock)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from engine import contracts
from engine.clock import FixedClock
from engine.errors import EngineError
from services import campaigns, deadlines, demo, identity, notifications, work
from services.bootstrap import Services, bootstrap, settle
from services.common import schema
from services.common.display import LOCAL_TZ, in_language, time_left
from services.identity import user_by_username


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=LOCAL_TZ)


def _local(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S") if instant else "-"


@click.group()
@click.option("--at", "at", help="Act as of this instant (ISO 8601; local time if no offset).")
@click.pass_context
def main(ctx: click.Context, at: str | None) -> None:
    instant = _instant(at)
    ctx.obj = bootstrap(clock=FixedClock(instant) if instant else None)


def _services(ctx: click.Context) -> Services:
    return ctx.obj


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx) -> None:
    """Create the database or bring it to the newest schema."""
    schema.upgrade(_services(ctx).db.engine)
    click.echo("database is at the newest schema")


@main.group()
def bpmn() -> None:
    """Process definitions."""


@bpmn.command("load")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def bpmn_load(ctx, directory: Path | None) -> None:
    """Publish every process folder; unchanged content makes no new version."""
    for key, version, created in _services(ctx).load_bpmn(directory):
        click.echo(f"{key}: version {version} ({'new' if created else 'unchanged'})")


@bpmn.command("contracts")
@click.option("--write", is_flag=True, help="Rewrite the tables in the bpmn folder's README.md.")
@click.pass_context
def bpmn_contracts(ctx, write: bool) -> None:
    """What the code needs of each process (engine/contracts.py), as Markdown tables."""
    services = _services(ctx)
    if not write:
        click.echo(contracts.describe(services.runtime.contracts), nl=False)
        return
    readme = services.config.bpmn_dir / "README.md"
    readme.write_text(
        contracts.with_tables(readme.read_text(encoding="utf-8"), services.runtime.contracts),
        encoding="utf-8",
    )
    click.echo(f"{readme}: contracts written")


@main.command("seed-demo")
@click.pass_context
def seed_demo(ctx) -> None:
    """Create the demo city and communes, their users, an open campaign and an open round."""
    services = _services(ctx)
    password = demo.demo_password(services.config.instance_dir, services.config.demo_password)
    with services.db.transaction() as session:
        created = demo.seed(session)
        demo.set_demo_passwords(session, password)
        campaign_id = demo.open_demo_campaign(session, services.runtime, services.clock.now())
        round_id = demo.open_demo_round(
            session, services.runtime, services.citizen_id_keys, services.clock.now()
        )
        talents = demo.seed_past_talents(session, services.clock.now())
    click.echo("demo commune created" if created else "demo commune already present")
    if talents:
        click.echo(f"{talents} talents of the past five years carried over: the targets at /targets")
    if campaign_id:
        click.echo(f"demo campaign {campaign_id} opened")
    if round_id:
        click.echo(f"demo selection round {round_id} opened: three dossiers wait for snv.canbo")
    click.echo(
        f"sign in at http://{services.config.host}:{services.config.port}/ as cg_vp.canbo, cg_vp.truong, "
        f"vhxh.canbo, chutich, vanthu, snv.canbo, snv.vanthu, ct.thanhpho or admin with the demo password: "
        f"{password}"
    )


@main.group()
def campaign() -> None:
    """Needs-proposal campaigns."""


@campaign.command("open")
@click.option("--by", "username", required=True, help="The Phòng VH-XH officer opening it.")
@click.option("--commune", default=demo.COMMUNE[0], show_default=True)
@click.option("--title", required=True)
@click.option("--year", "target_year", type=int, required=True)
@click.option("--unit-deadline", help="Default: before 12:00 on 14/01 of the year.")
@click.option("--city-deadline", help="Default: before 15/01 of the year.")
@click.option("--units", help="Comma-separated unit codes. Default: every in-scope unit.")
@click.option("--launch-doc", help="Number of the dispatch, e.g. 64/UBND-VHXH.")
@click.pass_context
def campaign_open(
    ctx, username, commune, title, target_year, unit_deadline, city_deadline, units, launch_doc
):
    services = _services(ctx)
    request = campaigns.CampaignRequest(
        commune_code=commune,
        title=title,
        target_year=target_year,
        unit_deadline=_instant(unit_deadline),
        city_deadline=_instant(city_deadline),
        unit_codes=tuple(units.split(",")) if units else None,
        launch_doc=launch_doc,
    )
    with services.db.transaction() as session:
        opened = campaigns.open_campaign(session, services.runtime, username, request)
        click.echo(
            f"campaign {opened.id} opened: units answer before {_local(opened.unit_deadline)}, "
            f"the city before {_local(opened.city_deadline)}"
        )


@campaign.command("status")
@click.argument("campaign_id", type=int)
@click.pass_context
def campaign_status(ctx, campaign_id: int) -> None:
    """Each addressed unit's status, and the aggregation once made."""
    with _services(ctx).db.transaction() as session:
        found = campaigns.get_campaign(session, campaign_id)
        click.echo(f"{found.title} [{found.status}] units before {_local(found.unit_deadline)}")
        for row in campaigns.unit_statuses(session, found, _services(ctx).clock.now()):
            escalated = (
                f"  escalated: level {row['escalation'][0]} ({row['escalation'][1]})"
                if row["escalation"]
                else ""
            )
            click.echo(
                f"  {row['unit_code']:<20} {row['status']:<20} received {_local(row['received_at'])}"
                f"  closed {_local(row['closed_at'])}{escalated}"
            )
        if found.aggregation:
            click.echo(json.dumps(found.aggregation, ensure_ascii=False, indent=2))


@campaign.command("return")
@click.argument("campaign_id", type=int)
@click.argument("unit_code")
@click.option("--by", "username", required=True, help="The Phòng VH-XH officer.")
@click.option("--reason", required=True)
@click.pass_context
def campaign_return(ctx, campaign_id, unit_code, username, reason) -> None:
    """Return an on-time proposal for clarification, before the cutoff."""
    services = _services(ctx)
    with services.db.transaction() as session:
        campaigns.return_proposal(session, services.runtime, username, campaign_id, unit_code, reason)
    click.echo(f"proposal of {unit_code} returned; the unit answers again before the cutoff")


@campaign.command("accept-late")
@click.argument("campaign_id", type=int)
@click.argument("unit_code")
@click.option("--by", "username", required=True)
@click.option("--reason", required=True)
@click.pass_context
def campaign_accept_late(ctx, campaign_id, unit_code, username, reason) -> None:
    """Count a late proposal, with a written reason (audited)."""
    services = _services(ctx)
    with services.db.transaction() as session:
        campaigns.accept_late_proposal(
            session, username, campaign_id, unit_code, reason, services.clock.now()
        )
    click.echo(f"late proposal of {unit_code} accepted")


@main.group("tasks")
def tasks_group() -> None:
    """A user's task inbox."""


@tasks_group.command("list")
@click.option("--user", "username", required=True)
@click.pass_context
def tasks_list(ctx, username: str) -> None:
    services = _services(ctx)
    with services.db.read() as session:
        inbox = work.tasks_for(session, user_by_username(session, username))
        levels = deadlines.escalations_of(session, [task.id for task in inbox])
        for task in inbox:
            due = (
                f"due {_local(task.due_at)}, {time_left(task.due_at, services.clock.now())}"
                if task.due_at
                else "no due date"
            )
            escalated = f", escalated to level {levels[task.id][-1].level}" if levels[task.id] else ""
            click.echo(f"{task.id}  {task.title}  ({due}{escalated})")


@tasks_group.command("complete")
@click.argument("task_id")
@click.option("--user", "username", required=True)
@click.option("--data", "raw", required=True, help="JSON object, or @file.json")
@click.pass_context
def tasks_complete(ctx, task_id: str, username: str, raw: str) -> None:
    try:
        data = json.loads(Path(raw[1:]).read_text() if raw.startswith("@") else raw)
    except (OSError, ValueError) as error:
        raise click.BadParameter(f"--data: {error}") from None
    services = _services(ctx)
    change = work.complete_task(services.db, services.runtime, username, task_id, data)
    for task in change.opened_tasks:
        click.echo(f"next: {task.id}  {task.title}")
    click.echo(f"instance {change.instance.id}: {change.instance.status}")


@main.command("notifications")
@click.option("--user", "username", required=True)
@click.pass_context
def notifications_list(ctx, username: str) -> None:
    """A user's unread notifications, newest first."""
    with _services(ctx).db.read() as session:
        for shown in notifications.unread(session, user_by_username(session, username).id):
            click.echo(f"{_local(shown.created_at)}  {in_language(shown.worded_subject, 'vi')}")


@main.group("users")
def users_group() -> None:
    """People of the directory: roles held, absences."""


@users_group.command("grant")
@click.argument("username")
@click.option("--unit", "unit_code", required=True)
@click.option("--role", required=True, type=click.Choice(sorted(identity.ROLES)))
@click.option(
    "--acting", is_flag=True, help="Acting holder: reached by escalations while the regular ones are away."
)
@click.pass_context
def users_grant(ctx, username, unit_code, role, acting) -> None:
    with _services(ctx).db.transaction() as session:
        identity.grant_role(session, username, unit_code, role, acting)
    click.echo(f"{username} holds {role} in {unit_code}" + (" (acting)" if acting else ""))


@users_group.command("password")
@click.argument("username")
@click.password_option(help="At least 10 characters; asked twice when not given.")
@click.pass_context
def users_password(ctx, username, password) -> None:
    """Set a user's password (e.g. the account of a selected person, who signs their commitment)."""
    with _services(ctx).db.transaction() as session:
        identity.set_password(session, username, password)
    click.echo(f"password of {username} set")


@users_group.command("token")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. the integration's name.")
@click.option("--revoke", is_flag=True, help="Revoke the user's tokens of that name instead.")
@click.pass_context
def users_token(ctx, username, name, revoke) -> None:
    """Issue a bearer token for the REST API (shown once), or revoke one."""
    services = _services(ctx)
    with services.db.transaction() as session:
        if revoke:
            click.echo(f"{identity.revoke(session, username, name, services.clock.now())} token(s) revoked")
            return
        token = identity.issue(session, username, name, services.clock.now())
    click.echo(token)


@users_group.command("away")
@click.argument("username")
@click.option("--until", "until", required=True, help="ISO 8601 instant (local time if no offset).")
@click.pass_context
def users_away(ctx, username, until) -> None:
    """Mark a user absent until an instant (escalations reach the acting holder)."""
    with _services(ctx).db.transaction() as session:
        user_by_username(session, username).absent_until = _instant(until)
    click.echo(f"{username} is away until {_local(_instant(until))}")


@users_group.command("back")
@click.argument("username")
@click.pass_context
def users_back(ctx, username) -> None:
    with _services(ctx).db.transaction() as session:
        user_by_username(session, username).absent_until = None
    click.echo(f"{username} is back")


YEAR = click.IntRange(1900, 2200)  # as the API accepts


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: days off and make-up working days."""


@calendar_group.command("list")
@click.argument("year", type=YEAR)
@click.pass_context
def calendar_list(ctx, year: int) -> None:
    """The year's days off and make-up days; for a year not confirmed, also the statutory
    days off used provisionally until it is."""
    with _services(ctx).db.read() as session:
        confirmed = deadlines.confirmation(session, year)
        if confirmed is not None:
            click.echo(f"{year}: confirmed {_local(confirmed.confirmed_at)}")
        else:
            click.echo(
                f"{year}: NOT CONFIRMED: deadlines through {year} are provisional; until "
                f"`talentflow calendar confirm {year}`, the days marked provisional are days off too"
            )
        days = [(entry.day, entry.kind, entry.name) for entry in deadlines.entries(session, year)]
        if confirmed is None:
            days += [
                (day, "provisional", _vietnamese(name)) for day, name in deadlines.suggestions(session, year)
            ]
        for day, kind, name in sorted(days):
            click.echo(f"{day:%d/%m/%Y} {day:%a}  {kind:<11}  {name}")


@calendar_group.command("suggest")
@click.argument("year", type=int)
@click.pass_context
def calendar_suggest(ctx, year: int) -> None:
    """Statutory days off the `holidays` package knows and the calendar lacks (check them
    against the government's notice for the year before adding)."""
    with _services(ctx).db.read() as session:
        for day, name in deadlines.suggestions(session, year):
            click.echo(f"{day:%d/%m/%Y} {day:%a}  {_vietnamese(name)}")


def _vietnamese(name: str) -> str:
    # A suggested day's name as the calendar's own days are named, to be typed into `set`.
    return in_language(name, "vi")


@calendar_group.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--working", is_flag=True, help="A working weekend day (make-up day) instead of a day off.")
@click.option("--name", required=True)
@click.pass_context
def calendar_set(ctx, day, working: bool, name: str) -> None:
    services = _services(ctx)
    with services.db.transaction() as session:
        deadlines.set_day(session, day.date(), deadlines.WORKING_DAY if working else deadlines.DAY_OFF, name)
        deadlines.replan_reminders(session, services.runtime, services.clock.now())
    services.calendar.invalidate()
    click.echo(f"{day:%d/%m/%Y}: {'working day' if working else 'day off'} ({name})")


@calendar_group.command("confirm")
@click.argument("year", type=YEAR)
@click.pass_context
def calendar_confirm(ctx, year: int) -> None:
    """Confirm that YEAR's days off and make-up days match the government's notice
    (audited): from then on only they count, and deadlines through YEAR are final."""
    services = _services(ctx)
    with services.db.transaction() as session:
        confirmed = deadlines.confirm_year(session, year, None, services.clock.now())
    services.calendar.invalidate()
    click.echo(f"{year}: confirmed {_local(confirmed.confirmed_at)}")


@calendar_group.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.pass_context
def calendar_unset(ctx, day) -> None:
    services = _services(ctx)
    with services.db.transaction() as session:
        removed = deadlines.unset_day(session, day.date())
        deadlines.replan_reminders(session, services.runtime, services.clock.now())
    services.calendar.invalidate()
    click.echo(f"{day:%d/%m/%Y}: " + ("back to the ordinary week" if removed else "was not in the calendar"))


@main.command()
@click.pass_context
def tick(ctx) -> None:
    """Run the scheduler's jobs once as of now (or --at): timers, reminders and
    escalations, the daily digest."""
    services = _services(ctx)
    run = services.tick()
    click.echo(
        f"fired {run.timers.fired} instance(s) as of {_local(services.clock.now())}"
        + (f", {run.timers.conflicts} changed meanwhile" if run.timers.conflicts else "")
        + f"; {run.alerts.reminders} reminder(s), {run.alerts.escalations} escalation(s)"
        + (f"; {run.digests} digest(s)" if run.digests else "")
        + (
            f"; {run.calendar_reminders} admin(s) reminded to confirm next year's calendar"
            if run.calendar_reminders
            else ""
        )
    )


@main.command()
@click.pass_context
def serve(ctx) -> None:
    """Run the web server (development server; use gunicorn in production)."""
    from web import create_app

    services = _services(ctx)
    app = create_app(services)
    settle()
    app.run(host=services.config.host, port=services.config.port)


def run() -> None:
    try:
        main(standalone_mode=True)
    except EngineError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
