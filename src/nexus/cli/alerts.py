"""Sanctions screening and the alert queue on the terminal, each command as a viewer.

Registered on the main app by nexus.cli.app.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.table import Table

from nexus.cli.common import AsUser, app_context, console, errors
from nexus.cli.context import AppContext
from nexus.policy import Reader

if TYPE_CHECKING:
    from nexus.finance.learning import LearntQueue

alerts_app = typer.Typer(
    no_args_is_help=True, help="The alert queue: review, escalate, close, disseminate."
)

AlertId = Annotated[int, typer.Argument(metavar="ID", help="The alert's number.")]
Note = Annotated[str | None, typer.Option(help="Why (kept in the alert's history).")]


def register(app: typer.Typer) -> None:
    """Add the screening and alert commands to the main app."""
    app.command("screen")(screen)
    app.add_typer(alerts_app, name="alerts")


def _listing(hit: dict[str, Any]) -> str:
    return f"{hit['name']} [dim]({', '.join(hit['datasets'])}, {hit['entry']})[/dim]"


def _features(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{f['feature']}: {f['detail']}" for f in items)


def screen(
    ctx: typer.Context,
    as_user: AsUser = None,
    full: Annotated[
        bool, typer.Option(help="Screen everything again, not only what changed.")
    ] = False,
    alerts: Annotated[bool, typer.Option(help="Raise the hits as alerts.")] = True,
    limit: Annotated[int, typer.Option(help="Hits to show.")] = 20,
    json: Annotated[bool, typer.Option("--json", help="One JSON line per hit instead.")] = False,
) -> None:
    """Screen the people, organisations and counterparty names the viewer sees against the
    sanctions and watch lists they see; hits go to the viewer's agency's alert queue."""
    from nexus.finance.screening import screen_store

    app_ctx = app_context(ctx)
    viewer = app_ctx.viewer(as_user)
    with errors.status("screening"):
        report = screen_store(app_ctx.access, viewer, full=full, alerts=alerts)
    if json:
        for finding in report.findings:
            line = {"score": finding.score, "reasons": finding.reasons, **finding.details}
            sys.stdout.write(orjson.dumps(line).decode() + "\n")
        return
    table = Table("score", "subject", "list entry", "matched", "conflicts", title="Screening hits")
    for finding in sorted(report.findings, key=lambda f: -f.score)[:limit]:
        best = finding.details["listings"][0]
        table.add_row(
            f"{finding.score:.2f}",
            str(finding.details["subject_name"]),
            _listing(best),
            _features(best["matched"]),
            _features(best["conflicts"]) or "—",
        )
    console.print(table)
    mode = "incremental" if report.incremental else "full"
    console.print(
        f"{mode} run: {report.screened_subjects} of {report.subjects} records screened against "
        f"{report.entries} list entries ({report.screened_entries} new or changed); "
        f"{len(report.hits)} hits on {len(report.findings)} subjects."
    )
    if report.delisted:
        console.print(
            f"{len(report.delisted)} list entr{'y' if len(report.delisted) == 1 else 'ies'} no "
            f"longer listed and left out; {len(report.withdrawn)} open alert(s) resting on them "
            "told so."
        )
    if report.alerts is not None:
        console.print(
            f"Alerts: {report.alerts.summary()} (`nexus alerts list --as {viewer.name}`)."
        )


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    as_user: AsUser = None,
    status: Annotated[
        list[str] | None,
        typer.Option(help="Only this status: new, under_review, escalated, closed (repeatable)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only this kind (sanctions, structuring, …).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
    json: Annotated[bool, typer.Option("--json", help="JSON lines instead.")] = False,
) -> None:
    """The viewer's alert queue: undecided first, then by the chance learnt from the analysts'
    decisions (once there are enough of them), else by the detector's score."""
    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    found = _learnt(app_ctx, reader, status=status, kind=kind, limit=limit)
    if json:
        from nexus.finance.alerts import alert_json

        for alert in found.alerts:
            line = alert_json(alert)
            if alert.id in found.ranks:
                line["learnt"] = found.ranks[alert.id].to_dict()
            sys.stdout.write(orjson.dumps(line).decode() + "\n")
        return
    columns = ["id", "status", "score", "kind", "agency", "what"]
    if found.model is not None:
        columns[3:3] = ["learnt", "because"]
    table = Table(*columns, title=f"{len(found.alerts)} alerts")
    for alert in found.alerts:
        owner = alert.agency
        if alert.shared_with:
            owner += f" → {', '.join(sorted(alert.shared_with))}"
        cells = [str(alert.id), alert.status, f"{alert.score:.2f}", alert.kind, owner]
        if found.model is not None:
            rank = found.ranks.get(alert.id)
            cells[3:3] = [
                f"{rank.probability:.2f}" if rank else "",
                "; ".join(d.text() for d in rank.drivers[:2]) if rank else "",
            ]
        table.add_row(*cells, alert.reasons[0] if alert.reasons else "")
    console.print(table)
    if found.model is not None:
        console.print(
            f"Ranked by a model learnt from {found.model.labels} decided alerts "
            f"({found.model.confirmed} confirmed); `nexus alerts model` shows how well it ranks."
        )


def _learnt(app_ctx: AppContext, reader: Reader, **where: Any) -> LearntQueue:
    from nexus.finance.learning import learnt_queue

    settings = app_ctx.settings
    return learnt_queue(
        reader,
        min_labels=settings.alert_learning_min_labels,
        min_per_class=settings.alert_learning_min_per_class,
        **where,
    )


@alerts_app.command("model")
def alerts_model(
    ctx: typer.Context,
    as_user: AsUser = None,
    json: Annotated[bool, typer.Option("--json", help="JSON instead.")] = False,
) -> None:
    """What the analysts' decisions teach: how many labels, how a model learnt from the earlier
    decisions ranks the later ones beside the detectors' scores, and which features matter."""
    from nexus.finance.learning import decided, evaluate, train

    app_ctx = app_context(ctx)
    settings = app_ctx.settings
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    labelled = decided(reader.alerts(history=True))
    limits = {
        "min_labels": settings.alert_learning_min_labels,
        "min_per_class": settings.alert_learning_min_per_class,
    }
    model = train(labelled, **limits)
    check = evaluate(labelled, **limits)
    confirmed = sum(y for _, y in labelled)
    data: dict[str, Any] = {
        "labels": len(labelled),
        "confirmed": confirmed,
        "false_positives": len(labelled) - confirmed,
        "needed": limits,
        "active": model is not None,
        "evaluation": check.to_dict() if check else None,
        "importance": model.importance() if model else {},
    }
    if json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console.print(
        f"{len(labelled)} decided typology alerts ({confirmed} confirmed, "
        f"{len(labelled) - confirmed} false positives)."
    )
    if model is None:
        console.print(
            f"No model yet: it needs {limits['min_labels']} decisions with at least "
            f"{limits['min_per_class']} of each outcome; the queue is ranked by the detectors' "
            "scores."
        )
        return
    if check is not None:
        console.print(
            f"Learnt from the first {check.trained_on} decisions, ranking the later "
            f"{check.tested_on}: ROC AUC {check.model_auc:.3f} (detectors' scores "
            f"{check.score_auc:.3f}); precision of the top {check.confirmed_in_test} "
            f"{check.model_precision_at_k:.2f} (scores {check.score_precision_at_k:.2f})."
        )
    table = Table("feature", "share of gain", title="What drives the learnt rank")
    for name, share in list(model.importance().items())[:10]:
        table.add_row(name, f"{share:.1%}")
    console.print(table)


@alerts_app.command("entities")
def alerts_entities(
    ctx: typer.Context,
    as_user: AsUser = None,
    closed: Annotated[
        bool, typer.Option("--closed", help="Count closed alerts too (default: open ones).")
    ] = False,
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
    json: Annotated[bool, typer.Option("--json", help="JSON lines instead.")] = False,
) -> None:
    """People, companies and accounts ranked by the alerts on them (or on the accounts they
    hold), their scores combined: which subjects the queue points at most."""
    from nexus.finance.alerts import OPEN, entity_risk
    from nexus.store import ALERT_STATUSES

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    ranked = entity_risk(reader, status=ALERT_STATUSES if closed else OPEN, limit=limit)
    if json:
        for risk in ranked:
            sys.stdout.write(orjson.dumps(risk.to_dict()).decode() + "\n")
        return
    table = Table("risk", "entity", "schema", "alerts", title=f"{len(ranked)} entities")
    for risk in ranked:
        table.add_row(
            f"{risk.score:.2f}",
            f"{risk.caption} [dim]({risk.entity_id})[/dim]",
            risk.schema,
            "\n".join(risk.reasons(most=6)),
        )
    console.print(table)


@alerts_app.command("show")
def alerts_show(
    ctx: typer.Context,
    alert_id: AlertId,
    as_user: AsUser = None,
    json: Annotated[bool, typer.Option("--json", help="JSON instead.")] = False,
) -> None:
    """One alert: its reasons, history and subgraph of accounts, people and payments."""
    from nexus.finance.alerts import alert_json, payment_lines, subgraph

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    alert = reader.alert(alert_id)
    if json:
        sys.stdout.write(orjson.dumps(alert_json(alert), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return
    shared = f"; sent to {', '.join(sorted(alert.shared_with))}" if alert.shared_with else ""
    console.print(
        f"[bold]Alert {alert.id}[/bold]  {alert.kind} · {alert.status} · score "
        f"{alert.score:.2f}  [dim]{alert.agency}{shared}[/dim]"
    )
    for reason in alert.reasons:
        console.print(f"  • {reason}")
    learnt = _learnt(app_ctx, reader).ranks.get(alert.id)
    if learnt is not None:
        console.print(
            f"  Learnt chance of confirmation {learnt.probability:.2f}, because "
            + "; ".join(d.text() for d in learnt.drivers)
        )
    graph = Table("schema", "caption", "id", title="Subgraph", box=None, pad_edge=False)
    for entity in subgraph(reader, alert):
        graph.add_row(entity.schema.label, entity.caption, str(entity.id))
    console.print(graph)
    lines = payment_lines(reader, alert)
    if lines:
        # Amounts keep their currency (a foreign 6800.00 is not PKR) and each side names the
        # people behind its accounts as this viewer may see them.
        payments = Table("date", "amount", "from", "to", title="Payments", box=None)
        for line in lines:
            amount = f"{line.amount} {line.currency}".strip()
            payments.add_row(
                line.date, amount, "; ".join(line.payer) or "?", "; ".join(line.beneficiary) or "?"
            )
        console.print(payments)
    history = Table("at", "user", "step", "status", "note", title="History", box=None)
    for event in alert.history:
        step = event.action + (f" to {event.agency}" if event.agency else "")
        history.add_row(event.at, event.user, step, event.status, event.note or "")
    console.print(history)


def _step(
    ctx: typer.Context,
    alert_id: int,
    as_user: str | None,
    status: str,
    note: str | None,
    outcome: str | None = None,
) -> None:
    from nexus.finance.alerts import transition

    app_ctx = app_context(ctx)
    viewer = app_ctx.viewer(as_user)
    alert = transition(app_ctx.access, viewer, alert_id, status, note, outcome=outcome)
    console.print(f"Alert {alert.id} is now {alert.status}.")


@alerts_app.command("review")
def alerts_review(
    ctx: typer.Context, alert_id: AlertId, as_user: AsUser = None, note: Note = None
) -> None:
    """Take an alert under review."""
    _step(ctx, alert_id, as_user, "under_review", note)


@alerts_app.command("escalate")
def alerts_escalate(
    ctx: typer.Context, alert_id: AlertId, as_user: AsUser = None, note: Note = None
) -> None:
    """Escalate an alert under review (it may then be disseminated)."""
    _step(ctx, alert_id, as_user, "escalated", note)


@alerts_app.command("close")
def alerts_close(
    ctx: typer.Context,
    alert_id: AlertId,
    reason: Annotated[str, typer.Option(help="Why it is closed (required).")],
    as_user: AsUser = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            help="false-positive or confirmed: the decision the queue learns from (optional)."
        ),
    ] = None,
) -> None:
    """Close an alert with a reason (false positive, reported, no further action, …)."""
    _step(ctx, alert_id, as_user, "closed", reason, outcome and outcome.replace("-", "_"))


@alerts_app.command("reopen")
def alerts_reopen(
    ctx: typer.Context, alert_id: AlertId, as_user: AsUser = None, note: Note = None
) -> None:
    """Put a closed or escalated alert back under review."""
    _step(ctx, alert_id, as_user, "under_review", note)


@alerts_app.command("disseminate")
def alerts_disseminate(
    ctx: typer.Context,
    alert_id: AlertId,
    to: Annotated[str, typer.Option("--to", help="The receiving agency (FIA, ANF, UNODC, …).")],
    as_user: AsUser = None,
    note: Note = None,
) -> None:
    """Send an escalated alert to another agency, if the sharing rules allow all it rests on."""
    from nexus.finance.alerts import disseminate

    app_ctx = app_context(ctx)
    alert = disseminate(app_ctx.access, app_ctx.viewer(as_user), alert_id, to, note)
    console.print(
        f"Alert {alert.id} disseminated to {to}; it now goes to "
        f"{', '.join(sorted(alert.shared_with))}."
    )
