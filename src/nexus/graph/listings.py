"""The community and key-player listings as plain data (what `/api/v1` returns and the command
line prints): built once from a viewer's graph, then kept by `GraphCache.derived` per version.

Plain dicts and lists only, so reading a kept listing back loads none of the graph stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nexus.graph.elements import EntityGraph
from nexus.graph.roles import Roles, roles
from nexus.graph.structure import by_relevance


def community_listing(
    graph: EntityGraph,
    alerted: frozenset[str],
    *,
    resolution: float = 1.0,
    seed: int = 0,
    min_size: int = 3,
    limit: int = 20,
    members: int = 5,
) -> dict[str, Any]:
    """Communities of at least `min_size`, those crime touches most first (`by_relevance`),
    each with its relevance and dense core; the hubs kept apart; `alerted` are the node ids
    under an open alert the viewer may read."""
    analysed = roles(graph, resolution=resolution, seed=seed)
    found = analysed.partition
    listed = [c for c in found.communities if c.size >= min_size]
    data = found.to_dict(members=members)
    data["total"] = len(found.communities)
    data["communities"] = []
    for community, relevance in by_relevance(graph, listed, alerted, organised(analysed))[:limit]:
        entry = community.to_dict(members=members)
        entry["relevance"] = {**relevance.to_dict(), "text": relevance.text()}
        core = analysed.core_of(community.number)
        entry["core"] = None
        if core is not None:
            entry["core"] = core.to_dict(members=members)
            entry["core"]["leader_captions"] = [analysed.role(i).caption for i in core.leaders]
        data["communities"].append(entry)
    data["hubs"] = _hubs(analysed)
    return data


def role_listing(
    graph: EntityGraph,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    schemata: Sequence[str] = ("LegalEntity",),
    community: int | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """Key players by role: each core's leader and the brokers between cores first, then small
    cores' leaders, lieutenants, members and couriers (of `community` only, if given)."""
    analysed = roles(graph, resolution=resolution, seed=seed)
    ranked = analysed.key_players(limit=None, schemata=tuple(schemata))
    chosen = [r for r in ranked if community is None or r.community == community][:limit]
    return {
        "by": "role",
        "betweenness_exact": analysed.betweenness_exact,
        "players": [r.to_dict() for r in chosen],
        "cores": [c.to_dict(members=5) for c in analysed.cores],
        "hubs": _hubs(analysed),
    }


def organised(analysed: Roles) -> frozenset[int]:
    """The communities with a significant dense core (a leader with many ties inside)."""
    return frozenset(
        c.number
        for c in analysed.partition.communities
        if (core := analysed.core_of(c.number)) is not None and core.significant
    )


def _hubs(analysed: Roles) -> list[dict[str, Any]]:
    return [h.to_dict() for h in analysed.hubs]


__all__ = ["community_listing", "organised", "role_listing"]
