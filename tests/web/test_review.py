"""The review queue through the real application: a pair side by side with its marks and
features, decided through the page's htmx endpoint and through the API, the next pair served."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx2 import Response

from nexus.store import LinkRecord
from tests.web.conftest import LOW, Site, csrf_of


def _first_pair(site: Site, viewer: str = LOW) -> LinkRecord:
    waiting = site.access.reader(viewer).review_queue(limit=1)
    assert waiting, "the tiny scenario leaves no pair for review"
    return waiting[0]


def _judged(site: Site, link: LinkRecord, viewer: str = LOW) -> dict[str, str | None]:
    """The latest judgement on the pair by `viewer`, as (verdict, note), or {} if none."""
    pair = {link.left_id, link.right_id}
    for found in site.access.reader(viewer).judgements():
        if {found.left_id, found.right_id} == pair and found.user == viewer:
            return {"verdict": found.verdict, "note": found.note}
    return {}


def _decide(
    client: TestClient, link: LinkRecord, verdict: str, csrf: str | None, **fields: str
) -> Response:
    """Decide the pair as the page's htmx form does: the CSRF token in a header (none: left
    out), the pair and the verdict as form fields."""
    headers = {"HX-Request": "true"} | ({"X-CSRF-Token": csrf} if csrf else {})
    form = {"left": link.left_id, "right": link.right_id, "verdict": verdict, **fields}
    return client.post("/review/decide", data=form, headers=headers)


def test_the_page_shows_the_pair_side_by_side_with_marks_features_and_keys(site: Site) -> None:
    link = _first_pair(site)
    page = site.signed_in(LOW).get("/review")
    assert page.status_code == 200
    assert f'value="{link.left_id}"' in page.text and f'value="{link.right_id}"' in page.text
    assert "(R" in page.text  # every value carries its portion mark
    assert "Features that matched" in page.text and "Features that conflicted" in page.text
    for feature in link.explanation:
        assert str(feature["feature"]) in page.text
    for key in ("s", "n", "u"):
        assert f'data-key="{key}"' in page.text and f"<kbd>{key}</kbd>" in page.text
    assert 'hx-post="/review/decide"' in page.text and 'hx-target="#pair"' in page.text
    assert page.text.count("<h1") == 1
    assert page.headers["x-classification"].startswith("RESTRICTED")


def test_the_htmx_decision_records_the_judgement_and_swaps_in_the_next_pair(site: Site) -> None:
    client = site.signed_in(LOW)
    token = csrf_of(client.get("/review").text)
    link = _first_pair(site)
    done = _decide(client, link, "unsure", token, note="ask FIA")
    assert done.status_code == 200
    assert _judged(site, link) == {"verdict": "unsure", "note": "ask FIA"}
    # Only the pair block and the banners (out of band) come back, not a whole page.
    assert "<html" not in done.text and done.text.count('hx-swap-oob="true"') == 2
    assert "Recorded:" in done.text and "autofocus" in done.text
    following = _first_pair(site)
    assert {following.left_id, following.right_id} != {link.left_id, link.right_id}
    assert f'name="left" value="{following.left_id}"' in done.text


def test_without_script_the_decision_redirects_back_to_the_queue(site: Site) -> None:
    client = site.signed_in(LOW)
    token = csrf_of(client.get("/review").text)
    link = _first_pair(site)
    done = client.post(
        "/review/decide",
        data={
            "left": link.left_id,
            "right": link.right_id,
            "verdict": "unsure",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/review?done=unsure"
    assert _judged(site, link)["verdict"] == "unsure"
    assert "Recorded: unsure." in client.get(done.headers["location"]).text


def test_the_api_lists_pairs_records_a_judgement_and_returns_the_next(site: Site) -> None:
    client = TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(LOW)}"})
    listed = client.get("/api/v1/review", params={"limit": 2})
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] >= len(body["pairs"]) >= 1
    first = body["pairs"][0]
    assert {"left", "right", "probability", "matched", "conflicted"} <= set(first)
    value = first["left"]["values"][0]
    assert value["datasets"] and value["markings"][0]["classification"]
    pair = {"left": first["left"]["record"], "right": first["right"]["record"]}
    bad = client.post("/api/v1/review/judgements", json={**pair, "verdict": "maybe"})
    assert bad.status_code == 422 and "verdict" in bad.json()["error"]
    decided = client.post(
        "/api/v1/review/judgements", json={**pair, "verdict": "not_same", "note": "other father"}
    )
    assert decided.status_code == 201, decided.text
    result = decided.json()
    assert result["judgement"]["verdict"] == "not_same" and result["judgement"]["user"] == LOW
    ends = {pair["left"], pair["right"]}
    assert {result["judgement"]["left"], result["judgement"]["right"]} == ends
    following = result["next"]
    assert following is not None
    assert {following["left"]["record"], following["right"]["record"]} != ends
    link = _first_pair(site)
    assert (following["left"]["record"], following["right"]["record"]) == (
        link.left_id,
        link.right_id,
    )


def test_a_refused_htmx_decision_says_why_in_the_swapped_block(site: Site) -> None:
    client = site.signed_in(LOW)
    token = csrf_of(client.get("/review").text)
    link = _first_pair(site)
    hidden = LinkRecord("NX-no-such-record", link.right_id, 0.5, "review", frozenset())
    refused = _decide(client, hidden, "same", token)
    assert refused.status_code == 200 and 'role="alert">Not recorded: no entity' in refused.text
    assert f'name="left" value="{link.left_id}"' in refused.text  # the pair still to decide
    assert _first_pair(site) == link


def test_a_decision_needs_the_sessions_csrf_token(site: Site) -> None:
    client = site.signed_in(LOW)
    link = _first_pair(site)
    refused = _decide(client, link, "same", None)
    assert refused.status_code == 403
    assert _first_pair(site) == link


def test_the_banner_of_a_swapped_pair_is_replaced_out_of_band(site: Site) -> None:
    client = site.signed_in(LOW)
    token = csrf_of(client.get("/review").text)
    link = _first_pair(site)
    done = _decide(client, link, "unsure", token)
    banners = re.findall(r'id="banner-(top|bottom)" hx-swap-oob="true"', done.text)
    assert sorted(banners) == ["bottom", "top"]
    assert done.headers["x-classification"].startswith("RESTRICTED")
