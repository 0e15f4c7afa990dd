"""`nexus network …`: the network analyses of nexus.graph on the terminal, each as a viewer.

Registered on the main app by nexus.cli.app. Graphs are cached under the home folder per
viewer scope and data version, so a second command on unchanged data does not rebuild.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.table import Table

from nexus.cli.common import AsUser, app_context, console, errors, open_output
from nexus.exceptions import NexusError

if TYPE_CHECKING:  # the graph stage (FtM, igraph, networkx) loads when a command runs
    from nexus.graph import Communities, EntityGraph
    from nexus.graph.namesakes import Namesake
    from nexus.graph.roles import Roles
    from nexus.policy import Reader, Viewer

network_app = typer.Typer(
    no_args_is_help=True, help="Who is connected to whom: communities, paths, key players."
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
Kinds = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        help="Edge kinds to follow (repeatable): a kind such as payment or family, or a "
        "family: direct, co-occurrence, shared. Default: all.",
    ),
]
Resolution = Annotated[
    float, typer.Option(help="Leiden resolution: higher gives more, smaller communities.")
]
Seed = Annotated[int, typer.Option(help="Seed for Leiden (same seed, same communities).")]


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")


def _graph(ctx: typer.Context, as_user: str | None) -> tuple[Reader, EntityGraph]:
    from nexus.graph import GraphCache, GraphOptions, load_graph

    app_ctx = app_context(ctx)
    reader = _reader(ctx, as_user)
    cache = GraphCache(app_ctx.settings.home / "graphs")
    with errors.status("building the graph"):
        graph = load_graph(reader, cache=cache, options=GraphOptions())
    return reader, graph


def _json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _partition(graph: EntityGraph, resolution: float, seed: int) -> Communities:
    from nexus.graph import communities

    with errors.status("finding communities"):
        return communities(graph, resolution=resolution, seed=seed)


def _roles(graph: EntityGraph, resolution: float, seed: int) -> Roles:
    from nexus.graph.roles import roles

    with errors.status("finding hubs, communities, cores and roles"):
        return roles(graph, resolution=resolution, seed=seed)


def _core_text(core: dict[str, Any] | None) -> str:
    if core is None:
        return ""
    leaders = ", ".join(core["leader_captions"])
    small = "" if core["significant"] else ", small"
    return f"core {core['number']}: {core['size']} ({core['dense']} dense{small}); led by {leaders}"


def _reader(ctx: typer.Context, as_user: str | None) -> Reader:
    app_ctx = app_context(ctx)
    return app_ctx.access.reader(app_ctx.viewer(as_user))


def _listing(
    ctx: typer.Context,
    reader: Reader,
    name: str,
    params: dict[str, Any],
    compute: Callable[[EntityGraph], dict[str, Any]],
) -> dict[str, Any]:
    """A listing computed from the viewer's graph, or kept from an earlier command on the same
    data version with the same parameters (then the graph is not even read)."""
    from nexus.graph.cache import GraphCache

    cache = GraphCache(app_context(ctx).settings.home / "graphs")
    with errors.status(f"building the graph and its {name}"):
        return cache.derived(reader, name, params, compute)


@network_app.command("stats")
def stats_cmd(ctx: typer.Context, as_user: AsUser = None, json: Json = False) -> None:
    """Size of the viewer's graph, edges per kind, and hubs left out (switchboards, shops)."""
    _reader, graph = _graph(ctx, as_user)
    data = graph.stats()
    data["hubs"] = [
        {"kind": h.kind, "value": h.value, "entities": h.entities} for h in graph.hubs[:20]
    ]
    if json:
        _json(data)
        return
    console.print(
        f"Graph of [bold]{graph.viewer}[/bold]: {data['nodes']} entities, {data['edges']} "
        f"edges from {data['facts']} facts, {data['occasions']} occasions "
        f"[dim](version {graph.version})[/dim]"
    )
    table = Table("kind", "edges", title="Edges by kind")
    for kind, count in data["kinds"].items():
        table.add_row(kind, str(count))
    console.print(table)
    if graph.hubs:
        hubs = Table("left out", "value", "entities", title="Hubs left out")
        for hub in graph.hubs[:20]:
            hubs.add_row(hub.kind, hub.value, str(hub.entities))
        console.print(hubs)


@network_app.command("communities")
def communities_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Communities to show.")] = 20,
    members: Annotated[int, typer.Option(help="Members to name per community.")] = 5,
    min_size: Annotated[int, typer.Option(help="Smallest community listed.")] = 3,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """Leiden communities without the hubs, those crime touches most first (members tied to
    seizures, cases and other crimes, listed, under an open alert): size, dense core and its
    leaders, most central members, crime types, countries. Hubs (service providers: shops,
    utilities, employers) are listed apart."""
    from nexus.graph.structure import alerted_ids

    reader = _reader(ctx, as_user)
    alerts = alerted_ids(reader)  # they move the ranking, so they are part of the key

    def compute(graph: EntityGraph) -> dict[str, Any]:
        from nexus.graph.listings import community_listing
        from nexus.graph.structure import alerted_nodes

        return community_listing(
            graph,
            alerted_nodes(reader, graph, alerts),
            resolution=resolution,
            seed=seed,
            min_size=min_size,
            limit=limit,
            members=members,
        )

    params = {
        "resolution": resolution,
        "seed": seed,
        "min_size": min_size,
        "limit": limit,
        "members": members,
        "alerted": alerts,
    }
    data = _listing(ctx, reader, "communities", params, compute)
    if json:
        _json({k: v for k, v in data.items() if k != "total"})
        return
    table = Table(
        "#",
        "size",
        "touched by crime",
        "core",
        "central members",
        "crimes",
        "countries",
        "listed",
        title=f"Communities ({data['total']}, modularity {data['modularity']:.3f}, "
        f"{len(data['hubs'])} hubs apart)",
    )
    for c in data["communities"]:
        table.add_row(
            str(c["number"]),
            f"{c['size']} ({c['actors']} actors)",
            c["relevance"]["text"],
            _core_text(c["core"]),
            "; ".join(m["caption"] for m in c["members"][:members]),
            ", ".join(f"{k} {v}" for k, v in list(c["crimes"].items())[:3]),
            ", ".join(f"{k} {v}" for k, v in list(c["countries"].items())[:3]),
            str(len(c["listed"])) if c["listed"] else "",
        )
    console.print(table)
    _print_hubs(data["hubs"])


_SETTLE_ROUNDS = 5


@network_app.command("namesakes")
def namesakes_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    settle: Annotated[
        bool,
        typer.Option(
            "--settle",
            help="Merge the namesakes nothing sets apart and queue the others for review.",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(help="Pairs to show.")] = 30,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """People of one community with the same name: one person whose records resolution could
    not link (a record giving only a name, tied to the same people) or look-alikes. Says which
    is which and why; with --settle, records it (a merge, or a pair in the review queue)."""
    from nexus.graph.namesakes import MERGED, REVIEW, namesakes

    reader, graph = _graph(ctx, as_user)
    with errors.status("comparing namesakes"):
        pairs = namesakes(graph, _roles(graph, resolution, seed), reader)
    written = 0
    if settle:
        viewer = app_context(ctx).viewer(as_user)
        written = _settle_rounds(ctx, as_user, viewer, pairs, resolution, seed)
    if json:
        for pair in pairs[:limit]:
            sys.stdout.write(orjson.dumps(pair.to_dict()).decode() + "\n")
        return
    table = Table("community", "name", "outcome", "why", title=f"Namesakes ({len(pairs)})")
    for pair in pairs[:limit]:
        table.add_row(str(pair.community), pair.name, pair.outcome, "\n".join(pair.reasons[1:]))
    console.print(table)
    counts = {o: sum(p.outcome == o for p in pairs) for o in (MERGED, REVIEW)}
    if settle:
        console.print(
            f"{written} links recorded: {counts[MERGED]} merged, {counts[REVIEW]} put in the "
            "review queue (`nexus review`); an analyst's `nexus split` undoes a merge."
        )
    elif counts[MERGED] or counts[REVIEW]:
        console.print(
            f"{counts[MERGED]} to merge, {counts[REVIEW]} to review: `nexus network namesakes "
            "--settle` records them."
        )


def _settle_rounds(
    ctx: typer.Context,
    as_user: str | None,
    viewer: Viewer,
    pairs: list[Namesake],
    resolution: float,
    seed: int,
) -> int:
    """Record the namesakes, then those the merges brought into one community (a tie in common
    through a merged entity), round by round until a round merges nothing; `pairs` grows with
    each round's. Returns the links written."""
    from nexus.graph.namesakes import MERGED, REVIEW, namesakes, settle

    access = app_context(ctx).access
    written, batch = 0, pairs
    for _round in range(_SETTLE_ROUNDS):
        written += settle(access, viewer, batch)
        if not any(p.outcome == MERGED for p in batch):
            break
        reader, graph = _graph(ctx, as_user)
        with errors.status("comparing namesakes the merges brought together"):
            found = namesakes(graph, _roles(graph, resolution, seed), reader)
        batch = [p for p in found if p.outcome in (MERGED, REVIEW)]
        pairs += batch
    return written


def _print_hubs(found: list[dict[str, Any]]) -> None:
    if not found:
        return
    hubs = Table("hub", "ties", "communities", "clustering", title="Hubs (service providers)")
    for hub in found[:20]:
        hubs.add_row(
            f"{hub['caption']}\n[dim]{hub['schema']} · {hub['id']}[/dim]",
            str(hub["degree"]),
            str(hub["communities"]),
            f"{hub['closure']:.3f}",
        )
    console.print(hubs)


@network_app.command("key-players")
def key_players_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Players to show.")] = 20,
    by: Annotated[
        str,
        typer.Option(
            help="role (leaders and brokers first, hubs apart), score, degree, betweenness, "
            "pagerank or coreness."
        ),
    ] = "role",
    schema: Annotated[
        str, typer.Option(help="Only entities of this schema (LegalEntity: people and companies).")
    ] = "LegalEntity",
    community: Annotated[
        int | None, typer.Option(help="Only members of this community (same seed/resolution).")
    ] = None,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """Who matters. By role (the default): each core's leader and the brokers between cores
    first, then small cores' leaders, lieutenants, members and couriers; hubs are service
    providers, listed apart and not ranked. Or by centrality: degree, betweenness, PageRank,
    k-core."""
    from nexus.graph import key_players

    if by == "role":
        _key_players_by_role(ctx, as_user, limit, schema, community, resolution, seed, json)
        return
    _reader, graph = _graph(ctx, as_user)
    found = _partition(graph, resolution, seed)
    wide = limit if community is None else len(graph.nodes)
    with errors.status("ranking"):
        players = key_players(graph, limit=wide, by=by, schemata=(schema,), partition=found)
    chosen = [p for p in players.players if community is None or p.community == community]
    chosen = chosen[:limit]
    if json:
        data = players.to_dict()
        data["players"] = [p.to_dict() for p in chosen]
        _json(data)
        return
    note = (
        ""
        if players.betweenness_exact
        else f", betweenness from {players.betweenness_samples} sampled sources"
    )
    table = Table(
        "entity", "community", "degree", "betweenness", "k-core", "why", title=f"Key players{note}"
    )
    for p in chosen:
        table.add_row(
            f"{p.caption}\n[dim]{p.schema} · {p.id}[/dim]",
            str(p.community),
            str(p.degree),
            f"{p.betweenness:.4f}",
            str(p.coreness),
            "; ".join(p.reasons),
        )
    console.print(table)


def _key_players_by_role(
    ctx: typer.Context,
    as_user: str | None,
    limit: int,
    schema: str,
    community: int | None,
    resolution: float,
    seed: int,
    json: bool,
) -> None:
    def compute(graph: EntityGraph) -> dict[str, Any]:
        from nexus.graph.listings import role_listing

        return role_listing(
            graph,
            resolution=resolution,
            seed=seed,
            schemata=(schema,),
            community=community,
            limit=limit,
        )

    params = {
        "resolution": resolution,
        "seed": seed,
        "schema": schema,
        "community": community,
        "limit": limit,
    }
    data = _listing(ctx, _reader(ctx, as_user), "key players", params, compute)
    if json:
        _json(data)
        return
    table = Table(
        "entity", "role", "core", "community", "degree", "why", title="Key players by role"
    )
    for r in data["players"]:
        table.add_row(
            f"{r['caption']}\n[dim]{r['schema']} · {r['id']}[/dim]",
            r["role"],
            "" if r["core"] is None else str(r["core"]),
            str(r["community"]),
            str(r["degree"]),
            "; ".join(r["reasons"]),
        )
    console.print(table)
    _print_hubs(data["hubs"])


@network_app.command("bridges")
def bridges_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Community pairs to show.")] = 15,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """The ties between communities and the entities that make them (brokers)."""
    from nexus.graph import bridges

    _reader, graph = _graph(ctx, as_user)
    found = bridges(graph, _partition(graph, resolution, seed), limit=limit)
    if json:
        _json([b.to_dict() for b in found])
        return
    table = Table("communities", "edges", "weight", "brokers", "strongest ties", title="Bridges")
    for b in found:
        table.add_row(
            f"{b.communities[0]} - {b.communities[1]}",
            str(b.edges),
            f"{b.weight:.1f}",
            "\n".join(b.brokers),
            "\n".join(b.examples),
        )
    console.print(table)


@network_app.command("path")
def path_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Entity id (canonical or record id).")],
    target: Annotated[str, typer.Argument(help="Entity id.")],
    as_user: AsUser = None,
    kind: Kinds = None,
    k: Annotated[int, typer.Option("-k", help="How many paths, shortest first.")] = 5,
    json: Json = False,
) -> None:
    """Shortest paths between two entities, with the facts and agencies behind every step."""
    from nexus.graph import paths

    _reader, graph = _graph(ctx, as_user)
    found = paths(graph, source, target, kinds=kind, k=k)
    if json:
        _json(found.to_dict())
        return
    if not found.paths:
        console.print(f"No path between {found.source.caption} and {found.target.caption}.")
        raise typer.Exit(code=1)
    for number, path in enumerate(found.paths, 1):
        console.print(f"[bold]Path {number}[/bold] ({path.hops} step(s))")
        console.print(f"  {path.nodes[0].caption} [dim]{path.nodes[0].id}[/dim]")
        for link, node in zip(path.links, path.nodes[1:], strict=True):
            console.print(f"   │ {link.summary}")
            for fact in link.facts[:3]:
                console.print(f"   │   [dim]{fact.describe()}[/dim]")
            if len(link.facts) > 3:
                console.print(f"   │   [dim]… {len(link.facts) - 3} more fact(s)[/dim]")
            console.print(f"  {node.caption} [dim]{node.schema} · {node.id}[/dim]")


@network_app.command("neighbours")
def neighbours_cmd(
    ctx: typer.Context,
    entity_id: Annotated[str, typer.Argument(help="Entity id (canonical or record id).")],
    as_user: AsUser = None,
    hops: Annotated[int, typer.Option(help="How many steps out.")] = 1,
    kind: Kinds = None,
    per_node: Annotated[int, typer.Option(help="Links followed from each entity.")] = 50,
    max_nodes: Annotated[int, typer.Option(help="Stop after this many entities.")] = 500,
    json: Json = False,
) -> None:
    """The entities around one (a link chart's expand), bounded at hubs, with the links."""
    from nexus.graph import neighbours

    _reader, graph = _graph(ctx, as_user)
    found = neighbours(
        graph, [entity_id], hops=hops, kinds=kind, per_node=per_node, max_nodes=max_nodes
    )
    if json:
        _json(found.to_dict())
        return
    table = Table("hop", "entity", "schema", "id", title=f"Around {found.centre[0].caption}")
    for n in found.neighbours:
        table.add_row(str(n.hop), n.node.caption, n.node.schema, n.node.id)
    console.print(table)
    links = Table("from", "to", "link", title=f"Links ({len(found.links)})")
    for link in found.links[:200]:
        links.add_row(link.a.caption, link.b.caption, link.summary)
    console.print(links)
    for note in found.notes:
        errors.print(f"[yellow]{note}[/yellow]")


@network_app.command("convergence")
def convergence_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Actors to show.")] = 20,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """Crime-terror convergence: actors and communities tied both to criminal markets and to
    sanctioned or proscribed entities, with the score's reasons."""
    from nexus.graph import convergence

    _reader, graph = _graph(ctx, as_user)
    found = convergence(graph, _partition(graph, resolution, seed), limit=limit)
    if json:
        _json(found.to_dict())
        return
    table = Table("score", "actor", "community", "terror side", "market side", title="Actors")
    for actor in found.actors:
        table.add_row(
            f"{actor.score:.2f}",
            f"{actor.caption}\n[dim]{actor.id}[/dim]",
            str(actor.community),
            "\n".join(actor.terror.reasons[:2]),
            "\n".join(actor.market.reasons[:2]),
        )
    console.print(table)
    groups = Table("community", "size", "score", "why", title="Communities")
    for c in found.communities:
        groups.add_row(str(c.number), str(c.size), f"{c.score:.2f}", "\n".join(c.reasons))
    console.print(groups)


@network_app.command("cross-border")
def cross_border_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    limit: Annotated[int, typer.Option(help="Entities to show.")] = 30,
    json: Json = False,
) -> None:
    """People and organisations tied to more than one country, and by what."""
    from nexus.graph import cross_border

    _reader, graph = _graph(ctx, as_user)
    found = cross_border(graph, limit=limit)
    if json:
        _json([c.to_dict() for c in found])
        return
    table = Table("entity", "countries", "because", title="Cross-border ties")
    for c in found:
        table.add_row(
            f"{c.caption}\n[dim]{c.id}[/dim]",
            ", ".join(c.countries),
            "\n".join(f"{k}: {'; '.join(v)}" for k, v in c.countries.items()),
        )
    console.print(table)


@network_app.command("timeline")
def timeline_cmd(
    ctx: typer.Context,
    entity_id: Annotated[str | None, typer.Argument(help="Entity id.")] = None,
    as_user: AsUser = None,
    community: Annotated[
        int | None, typer.Option(help="A community's timeline instead (same seed/resolution).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Moments to show.")] = 100,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
    json: Json = False,
) -> None:
    """Seizures, cases, events and dated links (payments, memberships) of an entity or a
    community, oldest first."""
    from nexus.graph import timeline

    _reader, graph = _graph(ctx, as_user)
    ids = _members(graph, entity_id, community, resolution, seed)
    found = timeline(graph, ids, limit=limit)
    if json:
        _json([m.to_dict() for m in found])
        return
    table = Table("date", "what", "agencies", title="Timeline")
    for moment in found:
        table.add_row(moment.date[:16], moment.title, ", ".join(moment.agencies))
    console.print(table)


def _members(
    graph: EntityGraph,
    entity_id: str | None,
    community: int | None,
    resolution: float,
    seed: int,
) -> list[str]:
    if (entity_id is None) == (community is None):
        raise NexusError("name an entity id or --community N (one of the two)")
    if entity_id is not None:
        return [entity_id]
    found = _partition(graph, resolution, seed)
    chosen = [c for c in found.communities if c.number == community]
    if not chosen:
        raise NexusError(f"no community {community}: see `nexus network communities`")
    return [m.id for m in chosen[0].members]


@network_app.command("export")
def export_cmd(
    ctx: typer.Context,
    as_user: AsUser = None,
    format: Annotated[
        str, typer.Option(help="gexf or graphml (Gephi), or ftm (entities).")
    ] = "gexf",
    output: Annotated[str, typer.Option("-o", "--output", help="File, or - for stdout.")] = "-",
    around: Annotated[
        str | None, typer.Option(help="Only the neighbourhood of this entity (see --hops).")
    ] = None,
    hops: Annotated[int, typer.Option(help="Steps out from --around.")] = 2,
    community: Annotated[int | None, typer.Option(help="Only this community.")] = None,
    resolution: Resolution = 1.0,
    seed: Seed = 0,
) -> None:
    """Write the viewer's graph, a neighbourhood or a community for Gephi (GEXF, GraphML) or as
    FtM entity JSON lines (the entities and the links behind the edges)."""
    from nexus.graph import neighbours, write_ftm, write_graph

    reader, graph = _graph(ctx, as_user)
    node_ids: list[str] | None = None
    if around is not None:
        node_ids = [n.node.id for n in neighbours(graph, [around], hops=hops).neighbours]
    elif community is not None:
        node_ids = _members(graph, None, community, resolution, seed)
    with open_output(output) as fh:
        if format == "ftm":
            if node_ids is None:
                raise NexusError("an FtM export needs --around ID or --community N")
            count = write_ftm(reader, graph, node_ids, fh)
            errors.print(f"{count} entities written")
        else:
            count = write_graph(graph, fh, format, node_ids)
            errors.print(f"{count} nodes written")
