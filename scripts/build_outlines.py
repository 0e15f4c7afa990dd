"""Builds src/nexus/scenario/data/outlines.geojson from npm's world-atlas (run after `npm ci`).

world-atlas ships Natural Earth country outlines as quantized TopoJSON; the scenario's maps need
only the region's countries as plain GeoJSON, so they are decoded once here and committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "world-atlas" / "countries-50m.json"
TARGET = ROOT / "src" / "nexus" / "scenario" / "data" / "outlines.geojson"
# ISO 3166 numeric → alpha-2, for the countries on the routes the scenario plants.
COUNTRIES = {
    "586": "pk", "004": "af", "364": "ir", "356": "in", "156": "cn", "795": "tm",
    "762": "tj", "860": "uz", "784": "ae", "512": "om", "682": "sa", "792": "tr", "368": "iq",
}


def decode_arcs(topology: dict[str, object]) -> list[list[tuple[float, float]]]:
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    for arc in topology["arcs"]:  # type: ignore[union-attr]
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 3), round(y * sy + ty, 3)))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return [list(p) for p in points]


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} not found: run `npm ci` first", file=sys.stderr)
        return 1
    topology = json.loads(SOURCE.read_text())
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = COUNTRIES.get(str(geometry.get("id")))
        if code is None:
            continue
        if geometry["type"] == "Polygon":
            coordinates = [ring(r, arcs) for r in geometry["arcs"]]
        else:
            coordinates = [[ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
        features.append({
            "type": "Feature",
            "id": code,
            "properties": {"country": code, "name": geometry["properties"]["name"]},
            "geometry": {"type": geometry["type"], "coordinates": coordinates},
        })
    features.sort(key=lambda f: f["id"])
    collection = {
        "type": "FeatureCollection",
        "attribution": "Natural Earth via world-atlas 2.0.2 (npm)",
        "features": features,
    }
    TARGET.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    print(f"{len(features)} countries written to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
