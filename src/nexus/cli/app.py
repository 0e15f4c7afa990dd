"""The `nexus` command: a thin Typer layer over the library; every command acts as a viewer."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import orjson
import typer
from rich.markup import escape
from rich.table import Table
from typer.exceptions import TyperException

from nexus.cli import alerts as alert_commands
from nexus.cli import credentials as credential_commands
from nexus.cli import finance as finance_commands
from nexus.cli import mapping as mapping_commands
from nexus.cli import network as network_commands
from nexus.cli import search as search_commands
from nexus.cli import web as web_commands
from nexus.cli.common import (
    AsUser,
    RichProgress,
    app_context,
    console,
    errors,
    open_output,
    progress_bar,
)
from nexus.cli.context import AppContext
from nexus.exceptions import NexusError
from nexus.files import owner_only
from nexus.policy import (
    AuditHead,
    audit_head,
    checkpoint_path,
    read_checkpoint,
    verify_audit,
)
from nexus.settings import load_settings
from nexus.store import Provenance, UserRecord

if TYPE_CHECKING:
    from nexus.ingest import MappingPlan

# Stage modules (ingest, resolve, graph, finance: FtM, DuckDB, igraph) load inside the commands
# that use them, so `nexus --help` and simple commands start in well under a second.

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False)
entity_app = typer.Typer(no_args_is_help=True, help="Look at entities as a viewer sees them.")
quarantine_app = typer.Typer(no_args_is_help=True, help="Rows that could not be loaded.")
user_app = typer.Typer(no_args_is_help=True, help="Viewers: agency, clearance, compartments.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident log of every read.")
scenario_app = typer.Typer(no_args_is_help=True, help="Synthetic multi-agency data with truth.")
app.add_typer(entity_app, name="entity")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(scenario_app, name="scenario")


@app.callback()
def _options(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="Data folder (default: $NEXUS_HOME or ./nexus-data).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Store URL (default: $NEXUS_DATABASE_URL or SQLite in home).")
    ] = None,
) -> None:
    """Nexus: pool agency records as statements with provenance; read them need-to-know."""
    overrides: dict[str, Any] = {}
    if home is not None:
        overrides["home"] = home
    if database_url is not None:
        overrides["database_url"] = database_url
    ctx.obj = AppContext(load_settings(**overrides))
    ctx.call_on_close(ctx.obj.close)


# -- set-up ------------------------------------------------------------------------------------
@app.command()
def init(ctx: typer.Context) -> None:
    """Create (or upgrade) the store and, on a fresh install, the administrator."""
    app_ctx = app_context(ctx)
    app_ctx.settings.home.mkdir(parents=True, exist_ok=True)
    tightened = owner_only(app_ctx.settings.home)
    created = app_ctx.ensure_admin()
    console.print(
        f"Store ready: [bold]{app_ctx.store.backend}[/bold] at {app_ctx.settings.store_url}"
    )
    if created:
        console.print(
            f"Administrator [bold]{created.name}[/bold] created ({created.clearance}); "
            "the home folder's owner acts as it unless NEXUS_USER names another user."
        )
    for path in tightened:
        console.print(f"[yellow]{path} was readable by others: now owner-only[/yellow]")


# -- ingestion ---------------------------------------------------------------------------------
def _run_ingest(
    app_ctx: AppContext, as_user: str | None, plan: MappingPlan, files: list[Path], allow: bool
) -> None:
    """Run the ingestion with progress bars, print the summary, exit 1 on quarantined rows."""
    from nexus.cli.render import ingest_table
    from nexus.ingest import ingest

    viewer = app_ctx.viewer(as_user)
    with progress_bar() as progress:
        report = ingest(app_ctx.access, viewer, plan, files, RichProgress(progress))
    console.print(ingest_table(report))
    search_commands.index_after_ingest(app_ctx)
    if report.rows_loaded:
        _screen_after_ingest(app_ctx)
    if report.rows_quarantined:
        console.print(
            f"[yellow]{report.rows_quarantined} row(s) quarantined[/yellow]: "
            f"see `nexus quarantine list --run {report.run_id}`"
        )
        if not allow:
            raise typer.Exit(code=1)


def _screen_after_ingest(app_ctx: AppContext) -> None:
    """Screen incrementally as each user of `screening_after_ingest`: what the load changed."""
    from nexus.finance.screening import screen_store

    for name in app_ctx.settings.screening_after_ingest:
        viewer = app_ctx.access.viewer(name)  # configured system work, not acting as them
        with errors.status(f"screening as {name}"):
            report = screen_store(app_ctx.access, viewer)
        line = (
            f"Screened as {name}: {report.screened_subjects} record(s) and "
            f"{report.screened_entries} list entr(ies) new or changed, {len(report.hits)} hit(s)"
        )
        if report.alerts is not None:
            line += f"; alerts of {viewer.agency}: {report.alerts.summary()}"
        console.print(line + ".")


@app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    mapping: Annotated[
        Path, typer.Argument(help="Mapping YAML (FtM mapping format + provenance).")
    ],
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files (default: the mapping's csv_url).")
    ] = None,
    as_user: AsUser = None,
    allow_rejects: Annotated[
        bool, typer.Option(help="Exit 0 even when rows were quarantined.")
    ] = False,
) -> None:
    """Load CSV, Excel or JSON-lines files through a declarative mapping."""
    from nexus.ingest import load_mapping

    app_ctx = app_context(ctx)
    plan = load_mapping(mapping, app_ctx.settings)
    _run_ingest(app_ctx, as_user, plan, files or [], allow_rejects)


@app.command("import-ftm")
def import_ftm(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="FollowTheMoney entity JSON-lines files.")],
    dataset: Annotated[str, typer.Option(help="Dataset (collection) to load into.")],
    agency: Annotated[str, typer.Option(help="Originating agency.")],
    classification: Annotated[str, typer.Option(help="Classification level.")],
    caveat: Annotated[list[str] | None, typer.Option(help="Caveat marking (repeatable).")] = None,
    as_user: AsUser = None,
    allow_rejects: Annotated[
        bool, typer.Option(help="Exit 0 even when rows were quarantined.")
    ] = False,
) -> None:
    """Import FtM entities (from Aleph, OpenSanctions or `nexus export`) with a provenance."""
    from nexus.ingest import ftm_plan

    app_ctx = app_context(ctx)
    caveats = frozenset(caveat or [])
    app_ctx.settings.check_marking(classification, caveats)
    plan = ftm_plan(files[0], Provenance(dataset, agency, classification, caveats), files)
    _run_ingest(app_ctx, as_user, plan, files, allow_rejects)


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        str, typer.Option(help="ftm (entities) or statements (with provenance).")
    ] = "ftm",
    output: Annotated[str, typer.Option("-o", "--output", help="File, or - for stdout.")] = "-",
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    as_user: AsUser = None,
) -> None:
    """Write what the viewer may see as FtM entity JSON lines (or statements)."""
    from nexus.ingest import write_entities, write_statements

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    with open_output(output) as fh:
        if format == "ftm":
            count = write_entities(reader.iter_entities(dataset=dataset), fh)
        elif format == "statements":
            count = write_statements(reader.iter_statements(dataset=dataset), fh)
        else:
            raise NexusError(f"unknown export format {format!r}: use ftm or statements")
    errors.print(f"{count} {'entities' if format == 'ftm' else 'statements'} written")


@app.command()
def status(ctx: typer.Context, as_user: AsUser = None) -> None:
    """What the viewer can see: datasets, entities, statements, quarantine, recent runs."""
    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    table = Table("dataset", "statements", title=f"Visible to {reader.viewer.name}")
    for name, count in sorted(reader.datasets().items()):
        table.add_row(name, str(count))
    console.print(table)
    console.print(
        f"{reader.count_entities()} entities, {reader.count_statements()} statements, "
        f"{reader.count_quarantine()} quarantined rows"
    )
    runs = Table("run", "user", "status", "rows", "quarantined", "source", title="Recent runs")
    recent = reader.runs(limit=10)
    interrupted = [run for run in recent if run.status == "interrupted"]
    for run in recent:
        runs.add_row(
            str(run.id),
            run.user,
            run.status,
            str(run.rows_loaded),
            str(run.rows_quarantined),
            run.source,
        )
    console.print(runs)
    for run in interrupted:
        errors.print(
            f"warning: run {run.id} ({run.source}, by {run.user}, started {run.started_at}) "
            "was interrupted before it finished: none of its rows were stored; run it again"
        )


# -- entities ----------------------------------------------------------------------------------
@entity_app.command("show")
def entity_show(
    ctx: typer.Context,
    entity_id: Annotated[str, typer.Argument(metavar="ID")],
    as_user: AsUser = None,
    json: Annotated[bool, typer.Option("--json", help="Print FtM JSON instead.")] = False,
) -> None:
    """One entity with every visible statement's source, marking and dates."""
    from nexus.cli.render import entity_panel

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    entity = reader.entity(entity_id)
    if json:
        from nexus.ingest import entity_json

        sys.stdout.write(
            orjson.dumps(entity_json(entity), option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    entity_panel(console, entity, reader.statements(entity_id), reader.referencing(entity_id))


@entity_app.command("list")
def entity_list(
    ctx: typer.Context,
    schema: Annotated[
        str | None, typer.Option(help="Only this schema (and its descendants).")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    as_user: AsUser = None,
) -> None:
    """List visible entities."""
    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    total = reader.count_entities(schema=schema, dataset=dataset)
    table = Table("id", "schema", "caption", "datasets", title=f"{total} entities")
    for entity in reader.entities(schema=schema, dataset=dataset, limit=limit, offset=offset):
        table.add_row(
            str(entity.id), entity.schema.name, entity.caption, ", ".join(sorted(entity.datasets))
        )
    console.print(table)


# -- quarantine --------------------------------------------------------------------------------
@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option(help="Only this ingestion run.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 100,
    as_user: AsUser = None,
    json: Annotated[bool, typer.Option("--json", help="JSON lines with the raw records.")] = False,
) -> None:
    """Rejected rows with file, row, field and reason."""
    from nexus.cli.render import quarantine_table

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    records = reader.quarantine(run_id=run, limit=limit)
    if json:
        for rec in records:
            sys.stdout.write(
                orjson.dumps(
                    {
                        "run": rec.run_id,
                        "dataset": rec.dataset,
                        "source": rec.source,
                        "row": rec.row,
                        "field": rec.field,
                        "reason": rec.reason,
                        "record": rec.record,
                    },
                    default=str,
                ).decode()
                + "\n"
            )
        return
    console.print(quarantine_table(records, reader.count_quarantine(run_id=run)))


# -- users -------------------------------------------------------------------------------------
@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    agency: Annotated[str, typer.Option(help="The user's agency (e.g. FIA, ANF, FMU).")],
    clearance: Annotated[str, typer.Option(help="Highest classification the user may see.")],
    compartment: Annotated[
        list[str] | None, typer.Option(help="Compartment held (repeatable).")
    ] = None,
    partner: Annotated[
        str | None,
        typer.Option(help="Partner organisation (e.g. UNODC): sees only what is released to it."),
    ] = None,
    role: Annotated[list[str] | None, typer.Option(help="Role, e.g. admin (repeatable).")] = None,
    as_user: AsUser = None,
) -> None:
    """Create or update a user (administrators only)."""
    app_ctx = app_context(ctx)
    user = UserRecord(
        name, agency, clearance, frozenset(compartment or []), partner, frozenset(role or [])
    )
    app_ctx.access.add_user(app_ctx.viewer(as_user), user)
    console.print(f"User [bold]{name}[/bold] saved.")


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """Every user with agency, clearance, compartments, partner and roles (administrators only)."""
    app_ctx = app_context(ctx)
    app_ctx.administrator()
    table = Table("name", "agency", "clearance", "compartments", "partner", "roles")
    for user in app_ctx.store.users():
        table.add_row(
            user.name,
            user.agency,
            user.clearance,
            " ".join(sorted(user.compartments)),
            user.partner or "",
            " ".join(sorted(user.roles)),
        )
    console.print(table)


# -- audit -------------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option(
            metavar="ENTRY:SHA256",
            help="A head printed by `nexus audit head` and kept elsewhere: the chain must "
            "still hold it. Default: the checkpoint in the home.",
        ),
    ] = None,
) -> None:
    """Check that no audit entry was altered, removed, or cut off the end (administrators
    only)."""
    app_ctx = app_context(ctx)
    app_ctx.administrator()
    home = app_ctx.settings.home
    kept = AuditHead.parse(head) if head else read_checkpoint(checkpoint_path(home))
    verdict = verify_audit(app_ctx.store, kept)
    if not verdict.intact:
        errors.print(
            f"[red]Audit log broken at entry {verdict.first_broken}[/red]: {verdict.problem}"
        )
        raise typer.Exit(code=1)
    console.print(f"[green]Audit log intact[/green]: {verdict.entries} entries chain correctly.")
    if kept is None:
        errors.print(
            "warning: no checkpoint of the chain's head to check against; keep the line "
            "`nexus audit head` prints somewhere the store's operators cannot change"
        )
    else:
        source = "the head given" if head else "the home's checkpoint"
        console.print(f"The chain still holds entry {kept.entry} as {source} recorded it.")


@audit_app.command("head")
def audit_head_cmd(ctx: typer.Context) -> None:
    """Print the chain's newest entry as ENTRY:SHA256 (administrators only): keep it outside
    the store and give it to `nexus audit verify --head` to prove nothing was cut off since."""
    app_ctx = app_context(ctx)
    app_ctx.administrator()
    head = audit_head(app_ctx.store)
    if head is None:
        raise NexusError("the audit log is empty: there is no head to keep yet")
    errors.print(f"Audit head: entry {head.entry}, appended {head.at}")
    console.print(head.line, soft_wrap=True)


# -- resolution --------------------------------------------------------------------------------
def _matchers(threshold: float, backend: str) -> tuple[Any, Any]:
    from nexus.resolve.model import OrgMatcher, PersonMatcher

    people = PersonMatcher(backend=backend, threshold=threshold)
    return people, OrgMatcher(
        backend=backend, threshold=threshold, spark_session=people.spark_session
    )


@app.command("resolve")
def resolve_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    full: Annotated[bool, typer.Option(help="Re-score every pair, not only new records.")] = False,
    threshold: Annotated[float, typer.Option(help="Probability from which pairs merge.")] = 0.9,
    backend: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
) -> None:
    """Find the same person, organisation, account or vehicle across agencies' records, from
    what the viewer may see."""
    from nexus.resolve.pipeline import resolve

    app_ctx = app_context(ctx)
    viewer = app_ctx.viewer(as_user)
    with errors.status("resolving"):
        people, organisations = _matchers(threshold, backend)
        report = resolve(app_ctx.access, viewer, people, organisations, incremental=not full)
    if report.shared:
        console.print(
            f"{report.records} records, nothing new to score: a run over exactly the "
            "statements you see, with the same settings, has scored them; its links stand."
        )
        return
    for kind, counts in report.kinds.items():
        console.print(
            f"{counts.records} {kind} records ({counts.new_records} new): "
            f"{counts.matches} matches, {counts.review} pairs for review."
        )
    console.print(
        f"{report.records} records{' (incremental)' if report.incremental else ''}: "
        f"{report.matches} matches, {report.review} pairs for review "
        f"(`nexus review --as {viewer.name}`)."
    )


def _explain(items: Any) -> str:
    return "; ".join(
        f"{item['feature']}: {item['level']} ({item['weight']:+.1f})" for item in items
    )


@app.command()
def review(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Pairs to show.")] = 20,
) -> None:
    """Decide uncertain pairs one by one: same, not the same, unsure, or quit."""
    from nexus.resolve.pipeline import judge

    app_ctx = app_context(ctx)
    viewer = app_ctx.viewer(as_user)
    reader = app_ctx.access.reader(viewer)
    queue = reader.review_queue(limit=limit)
    if not queue:
        console.print("Nothing to review.")
        return
    verdicts = {"s": "same", "n": "not_same", "u": "unsure"}
    for number, link in enumerate(queue, start=1):
        left, right = reader.entity(link.left_id), reader.entity(link.right_id)
        console.print(f"\n[bold]{number}/{len(queue)}[/bold]  p={link.probability:.2f}")
        for entity in (left, right):
            console.print(
                f"  {entity.caption}  [dim]{entity.id} · {', '.join(entity.datasets)}[/dim]"
            )
        console.print(f"  [dim]{_explain(link.explanation)}[/dim]")
        answer = typer.prompt("same / not / unsure / quit [s/n/u/q]", default="u").strip().lower()
        if answer.startswith("q"):
            break
        verdict = verdicts.get(answer[:1], "unsure")
        judge(app_ctx.access, viewer, link.left_id, link.right_id, verdict)


@app.command()
def merge(
    ctx: typer.Context,
    left: Annotated[str, typer.Argument(metavar="ID")],
    right: Annotated[str, typer.Argument(metavar="OTHER_ID")],
    as_user: AsUser = None,
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
) -> None:
    """Record that two records are the same person or company (undo with `nexus split`)."""
    _judge(ctx, left, right, as_user, note, "same")


@app.command()
def split(
    ctx: typer.Context,
    left: Annotated[str, typer.Argument(metavar="ID")],
    right: Annotated[str, typer.Argument(metavar="OTHER_ID")],
    as_user: AsUser = None,
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
) -> None:
    """Record that two records are NOT the same; undoes a merge and blocks automatic ones."""
    _judge(ctx, left, right, as_user, note, "not_same")


def _judge(
    ctx: typer.Context, left: str, right: str, as_user: str | None, note: str | None, verdict: str
) -> None:
    from nexus.resolve.pipeline import judge

    app_ctx = app_context(ctx)
    record = judge(app_ctx.access, app_ctx.viewer(as_user), left, right, verdict, note)
    done = "Merged" if verdict == "same" else "Split"
    console.print(f"{done} {record.left_id} and {record.right_id} (judgement {record.id}).")


@app.command()
def dedupe(
    input: Annotated[Path, typer.Argument(help="CSV: an `id` column and FtM property columns.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write id,cluster_id,confidence.")
    ],
) -> None:
    """Deduplicate one list of people (stand-alone; nothing is stored)."""
    from nexus.resolve.linkage import dedupe_csv

    console.print(str(dedupe_csv(input, output)))


@app.command()
def link(
    left: Annotated[Path, typer.Argument(help="First CSV (id + FtM property columns).")],
    right: Annotated[Path, typer.Argument(help="Second CSV.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write id,cluster_id,confidence.")
    ],
) -> None:
    """Link two lists of people (stand-alone; nothing is stored)."""
    from nexus.resolve.linkage import link_csv

    console.print(str(link_csv(left, right, output)))


# -- scenario ----------------------------------------------------------------------------------
@scenario_app.command("generate")
def scenario_generate(
    outdir: Annotated[
        Path, typer.Argument(help="Folder to write data/, truth/ and manifest.json.")
    ],
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same bytes.")
    ] = 42,
    scale: Annotated[
        str, typer.Option(help="tiny, small (~50k records), medium (~1M), large (~10M).")
    ] = "small",
) -> None:
    """Write a seeded multi-agency scenario: each agency's files and mappings, plus ground truth."""
    from nexus.scenario.generate import generate

    with errors.status("generating") as status:
        report = generate(seed, scale, outdir, step=lambda m: status.update(m))
    table = Table("what", "count", title=f"Scenario seed {seed}, scale {scale}")
    for key, value in sorted(report.counts.items()):
        table.add_row(key, f"{value:,}")
    console.print(table)
    console.print(
        f"{len(report.mappings)} mappings under {outdir / 'data'} (load each with "
        f"`nexus ingest MAPPING`); ground truth in {outdir / 'truth'} (never load it)."
    )


network_commands.register(app)
finance_commands.register(app)
alert_commands.register(app)
mapping_commands.register(app)
search_commands.register(app)
credential_commands.register(app, user_app)
web_commands.register(app)


def main() -> None:
    """Entry point: every error a user can make ends in one line on stderr and exit code 2."""
    os.umask(0o077)  # the home, the store and every output hold marked records: owner-only
    try:
        code = app(standalone_mode=False)
    except NexusError as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        errors.print("aborted")
        sys.exit(130)
    except OSError as exc:  # a file the user named that cannot be read or written
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except TyperException as exc:  # Typer's own (vendored click) usage errors
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # type: ignore[attr-defined]  # a group without a command: its help
            sys.exit(2)
        _fail(_usage_message(exc))
    # Outside standalone mode click returns the code of a typer.Exit instead of raising it.
    sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: TyperException) -> str:
    format_message = getattr(exc, "format_message", None)
    message = " ".join(str(format_message() if format_message else exc).split())
    command = getattr(getattr(exc, "ctx", None), "command_path", None)
    return f"{message} (see `{command} --help`)" if command else message


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    sys.exit(2)
