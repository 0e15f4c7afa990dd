"""Two viewers over every page and endpoint: what the FIA clerk (RESTRICTED) may not see —
another agency's AGENCY-ONLY rows, SECRET statements, the VICTIMS compartment — appears in none
of their responses, counts, facets, banners or exports, while the administrator does see it."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.routing import APIRoute

from nexus.store import ID_PROP
from nexus.web import admin, alerts, auth, entities, home, review, search
from nexus.web.app import API_PREFIX
from tests.web.conftest import HIGH, LOW, Site

DISTINCT = 9  # hidden values at least this long, so that they cannot turn up by chance


def _hidden(site: Site) -> tuple[set[str], set[str], set[str]]:
    """(values, entity ids, dataset names) the administrator sees and the clerk never does."""
    low = site.access.reader(LOW)
    seen_low = {v for s in low.iter_statements() for v in (s.value, s.original_value) if v}
    low_text = "\n".join(seen_low)
    values: set[str] = set()
    ids: set[str] = set()
    for stmt in site.access.reader(HIGH).iter_statements():
        if stmt.prop == ID_PROP or stmt.value in seen_low:
            continue
        kept = stmt.prop_type in ("name", "identifier", "phone")
        if kept and len(stmt.value) >= DISTINCT and stmt.value not in low_text:
            values.add(stmt.value)
    hidden_ids = {
        s.canonical_id for s in site.access.reader(HIGH).iter_statements(schema="Person")
    } - {s.canonical_id for s in low.iter_statements(schema="Person")}
    ids = {i for i in hidden_ids if not low.statements(i)}
    datasets = set(site.access.reader(HIGH).datasets()) - set(low.datasets())
    return values, ids, datasets


def _urls(site: Site, ids: set[str], values: set[str]) -> list[str]:
    """Every GET route of the application, with its path filled with hidden ids (and a few
    of the clerk's own), and the searches an analyst might type for hidden names."""
    probes = sorted(ids)[:5]
    visible = [str(e.id) for e in site.access.reader(LOW).entities(schema="Person", limit=3)]
    alert_ids = [str(a.id) for a in site.access.reader(HIGH).alerts()][:5] or ["1"]
    urls: list[str] = []
    for route, prefix in _routes():
        if "GET" not in route.methods or "export" in route.path:
            continue
        path = prefix + route.path
        names = re.findall(r"{(\w+)}", path)
        if not names:
            urls.append(path)
        elif names == ["entity_id"]:
            urls += [path.replace("{entity_id}", i) for i in probes + visible]
        elif names == ["alert_id"]:
            urls += [path.replace("{alert_id}", a) for a in alert_ids]
    for value in sorted(values)[:8]:
        q = quote(value)
        urls += [f"/search?q={q}", f"/api/v1/search?q={q}", f"/api/v1/search/export?q={q}"]
    urls += ["/search?q=khan", "/api/v1/search?q=khan&limit=100", "/review", "/alerts"]
    return urls


def _routes() -> list[tuple[APIRoute, str]]:
    """Every route of every router the application includes, with its prefix."""
    found = []
    for module in (auth, home, search, entities, review, alerts, admin):
        found += [(r, "") for r in module.pages.routes if isinstance(r, APIRoute)]
        found += [(r, API_PREFIX) for r in module.api.routes if isinstance(r, APIRoute)]
    return found


def test_what_the_clerk_may_not_see_is_in_none_of_their_responses(site: Site) -> None:
    values, ids, datasets = _hidden(site)
    assert len(values) >= 10 and ids and datasets, (len(values), len(ids), datasets)
    low, high = site.signed_in(LOW), site.signed_in(HIGH)
    urls = _urls(site, ids, values)
    assert len(urls) > 30
    leaks: list[str] = []
    high_saw = 0
    levels = site.settings.classification_levels
    for url in urls:
        answer = low.get(url)
        assert answer.status_code < 500, (url, answer.text[:300])
        text = answer.text
        # An id or a value the clerk typed comes back in the answer ("no entity X is visible"):
        # only what they did not ask about would be a leak.
        leaks += [f"{url}: value {v!r}" for v in values if v in text and quote(v) not in url]
        leaks += [f"{url}: entity {i}" for i in ids if i in text and i not in url]
        leaks += [
            f"{url}: dataset {d}" for d in datasets if re.search(rf"\b{re.escape(d)}\b", text)
        ]
        banner = answer.headers.get("x-classification")
        if banner:
            assert levels.index(banner.split("//")[0]) <= levels.index("RESTRICTED"), url
        seen = high.get(url).text
        high_saw += any(v in seen for v in values) or any(i in seen for i in ids)
    assert leaks == [], leaks[:10]
    assert high_saw >= 5  # the administrator does see them: the probes are real
