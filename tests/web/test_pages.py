"""Signing in, sessions, CSRF, the home page and entity profiles through the real application
(FastAPI's TestClient over a tiny scenario store)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from nexus.store import ID_PROP
from nexus.web.views import entity_refs
from tests.web.conftest import HIGH, LOW, PASSWORD, Site, csrf_of


def _only_high_entity(site: Site) -> str:
    """An entity the administrator sees and the FIA clerk does not see at all."""
    low = {s.canonical_id for s in site.access.reader(LOW).iter_statements(schema="Person")}
    for stmt in site.access.reader(HIGH).iter_statements(schema="Person"):
        hidden = stmt.canonical_id not in low and stmt.prop == ID_PROP
        if hidden and not site.access.reader(LOW).statements(stmt.canonical_id):
            return stmt.canonical_id
    raise AssertionError("the scenario has no entity only the administrator sees")


def test_pages_send_a_stranger_to_sign_in_and_the_api_answers_401(site: Site) -> None:
    client = TestClient(site.client.app)
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
    api = client.get("/api/v1/status")
    assert api.status_code == 401 and "error" in api.json() and "Traceback" not in api.text


def test_a_wrong_password_is_refused_with_one_message_and_no_session(site: Site) -> None:
    client = TestClient(site.client.app)
    form = client.get("/sign-in").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post(
        "/sign-in",
        data={"username": LOW, "password": "wrong password!", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 401
    assert "wrong user name or password" in done.text
    assert "nexus_session" not in done.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_sign_in_form_needs_its_own_token(site: Site) -> None:
    client = TestClient(site.client.app)
    done = client.post(
        "/sign-in", data={"username": LOW, "password": PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 403 and "nexus_session" not in done.cookies


def test_signed_in_the_home_page_shows_what_the_viewer_may_see_under_a_banner(site: Site) -> None:
    client = site.signed_in(LOW)
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('class="banner banner-') == 2
    assert page.headers["x-classification"].split("//")[0] == _highest(site, LOW) == "RESTRICTED"
    assert "fia_clerk" in page.text and "Datasets" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    high = site.signed_in(HIGH).get("/")
    assert high.headers["x-classification"].split("//")[0] == _highest(site, HIGH)
    assert _highest(site, HIGH) != "RESTRICTED"


def _highest(site: Site, viewer: str) -> str:
    """The highest level among the statements the viewer may see (what the home page lists)."""
    levels = site.settings.classification_levels
    seen = {
        m.classification
        for counts in site.access.reader(viewer).dataset_markings().values()
        for m in counts
    }
    return max(seen, key=levels.index)


def test_sign_out_ends_the_session(site: Site) -> None:
    client = site.signed_in(LOW)
    page = client.get("/")
    done = client.post("/sign-out", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    client.cookies.clear()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    client = site.signed_in(HIGH)
    person = next(iter(site.access.reader(HIGH).entities(schema="Person", limit=2)))
    other = site.access.reader(HIGH).entities(schema="Person", limit=2)[1]
    before = len(site.access.reader(HIGH).judgements(history=True))
    done = client.post(
        f"/entities/{person.id}/judge", data={"other": str(other.id), "verdict": "same"}
    )
    assert done.status_code == 403
    assert len(site.access.reader(HIGH).judgements(history=True)) == before


def test_an_entity_profile_shows_each_value_with_its_source_and_portion_mark(site: Site) -> None:
    reader = site.access.reader(LOW)
    entity = reader.entities(schema="Person", limit=1)[0]
    stmts = [s for s in reader.statements(str(entity.id)) if s.prop == "name"]
    client = site.signed_in(LOW)
    page = client.get(f"/entities/{entity.id}")
    assert page.status_code == 200
    assert stmts[0].dataset in page.text and stmts[0].origin in page.text
    assert "(R" in page.text  # RESTRICTED portion marks
    data = client.get(f"/api/v1/entities/{entity.id}").json()
    assert data["id"] == str(entity.id) and data["schema"] == entity.schema.name
    names = [p for p in data["provenance"] if p["prop"] == "name"]
    assert names and names[0]["sources"][0]["dataset"] and names[0]["sources"][0]["marking"]


def test_a_profile_names_what_each_referencing_entity_links_it_to(site: Site) -> None:
    reader = site.access.reader(LOW)
    # An entity of two ends (a case party, an ownership, a payment …) the clerk sees.
    pointing = [s for s in reader.iter_statements() if s.prop_type == "entity"]
    by_entity: dict[str, list[str]] = {}
    for stmt in pointing:
        by_entity.setdefault(stmt.canonical_id, []).append(stmt.value)
    edge, targets = next((e, t) for e, t in sorted(by_entity.items()) if len(set(t)) > 1)
    refs_of = entity_refs(reader, [edge, *targets])
    target = refs_of[targets[0]].id
    client = site.signed_in(LOW)
    related = client.get(f"/api/v1/entities/{target}/related").json()
    found = {ref["id"]: ref for refs in related.values() for ref in refs}
    ref = found[refs_of[edge].id]
    assert ref["via"]
    ends = {end["id"] for end in ref["links_to"]}
    assert ends and target not in ends  # the other end, never the entity itself
    page = client.get(f"/entities/{target}").text
    assert ref["links_to"][0]["caption"] in page


def test_an_entity_the_viewer_may_not_see_is_404_exactly_like_one_that_does_not_exist(
    site: Site,
) -> None:
    hidden = _only_high_entity(site)
    low = site.signed_in(LOW)
    missing = low.get("/api/v1/entities/NX-does-not-exist")
    secret = low.get(f"/api/v1/entities/{hidden}")
    assert missing.status_code == secret.status_code == 404
    assert set(missing.json()) == set(secret.json()) == {"error", "status"}
    assert low.get(f"/entities/{hidden}").status_code == 404
    assert site.signed_in(HIGH).get(f"/api/v1/entities/{hidden}").status_code == 200


def test_merge_and_split_from_the_profile_are_recorded_as_the_viewer(site: Site) -> None:
    client = site.signed_in(HIGH)
    people = site.access.reader(HIGH).entities(schema="Person", limit=2)
    a, b = str(people[0].id), str(people[1].id)
    page = client.get(f"/entities/{a}")
    token = csrf_of(page.text)
    merged = client.post(
        f"/entities/{a}/judge",
        data={"other": b, "verdict": "same", "note": "same passport", "csrf_token": token},
    )
    assert merged.status_code == 200 and "Recorded: merged" in merged.text
    latest = site.access.reader(HIGH).judgements()
    assert any(j.verdict == "same" and j.note == "same passport" and j.user == HIGH for j in latest)
    split = client.post(
        f"/entities/{a}/judge",
        data={"other": b, "verdict": "not_same", "note": "different fathers", "csrf_token": token},
    )
    assert split.status_code == 200 and "Recorded: split" in split.text


def test_an_api_token_acts_as_its_user_without_a_session(site: Site) -> None:
    token = site.token(LOW)
    client = TestClient(site.client.app)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["name"] == LOW and me.json()["via"] == "token"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer nx_not-a-token"})
    assert bad.status_code == 401
