"""Administration through the real application: administrators only (403 for anyone else, page
or JSON), users added and given passwords, API tokens made (shown once), used and revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import HIGH, LOW, Site, csrf_of, sign_in

NEW_PASSWORD = "a long enough new password"


def test_anyone_but_an_administrator_is_refused_with_403(site: Site) -> None:
    client = site.signed_in(LOW)
    page = client.get("/admin")
    assert page.status_code == 403 and "only an administrator" in page.text
    token = csrf_of(client.get("/").text)
    added = client.post(
        "/admin/users",
        data={"csrf_token": token, "name": "mallory", "agency": "FIA", "clearance": "SECRET"},
    )
    assert added.status_code == 403 and site.store.get_user("mallory") is None
    api = TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(LOW)}"})
    for path in ("/api/v1/admin/users", "/api/v1/admin/tokens"):
        refused = api.get(path)
        assert refused.status_code == 403 and set(refused.json()) == {"error", "status"}
    assert api.post("/api/v1/admin/tokens", json={"user": HIGH}).status_code == 403
    assert 'href="/admin"' not in client.get("/").text  # not offered in the navigation


def test_the_page_and_the_api_list_users_with_their_access(site: Site) -> None:
    page = site.signed_in(HIGH).get("/admin")
    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert '<th scope="row">victims_officer</th>' in page.text and "VICTIMS" in page.text
    assert 'href="/admin" aria-current="page"' in page.text
    api = TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(HIGH)}"})
    users = {u["name"]: u for u in api.get("/api/v1/admin/users").json()}
    assert users[LOW] == {
        "name": LOW,
        "agency": "FIA",
        "clearance": "RESTRICTED",
        "compartments": [],
        "partner": None,
        "roles": [],
    }
    assert users["unodc"]["partner"] == "UNODC" and users[HIGH]["roles"] == ["admin"]


def test_an_administrator_adds_a_user_and_sets_a_password_they_sign_in_with(site: Site) -> None:
    client = site.signed_in(HIGH)
    token = csrf_of(client.get("/admin").text)
    added = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "name": "ctd_officer",
            "agency": "CTD",
            "clearance": "CONFIDENTIAL",
            "compartments": "VICTIMS, SOURCES",
            "partner": "",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == "/admin?done=user"
    user = site.store.get_user("ctd_officer")
    assert user is not None and user.agency == "CTD"
    assert user.compartments == {"VICTIMS", "SOURCES"} and user.partner is None
    differ = client.post(
        "/admin/password",
        data={"csrf_token": token, "user": "ctd_officer", "password": NEW_PASSWORD, "confirm": "x"},
    )
    assert differ.status_code == 422 and "differ" in differ.text
    short = client.post(
        "/admin/password",
        data={"csrf_token": token, "user": "ctd_officer", "password": "short", "confirm": "short"},
    )
    assert short.status_code == 400 and "too short" in short.text
    done = client.post(
        "/admin/password",
        data={
            "csrf_token": token,
            "user": "ctd_officer",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 200 and "Password set" in done.text
    newcomer = TestClient(site.client.app)
    sign_in(newcomer, "ctd_officer", NEW_PASSWORD)
    assert newcomer.get("/api/v1/me").json()["agency"] == "CTD"


def test_the_api_adds_users_and_refuses_bad_ones(site: Site) -> None:
    api = TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(HIGH)}"})
    made = api.post(
        "/api/v1/admin/users",
        json={"name": "anf_partner", "agency": "ANF", "clearance": "RESTRICTED", "roles": []},
    )
    assert made.status_code == 201 and made.json()["clearance"] == "RESTRICTED"
    unknown = api.post(
        "/api/v1/admin/users", json={"name": "x1", "agency": "ANF", "clearance": "COSMIC"}
    )
    assert unknown.status_code == 400 and site.store.get_user("x1") is None
    bad = api.post(
        "/api/v1/admin/users", json={"name": "no spaces", "agency": "ANF", "clearance": "SECRET"}
    )
    assert bad.status_code == 422 and "name" in bad.json()["error"]
    password = api.put("/api/v1/admin/users/anf_partner/password", json={"password": NEW_PASSWORD})
    assert password.status_code == 204
    nobody = api.put("/api/v1/admin/users/nobody/password", json={"password": NEW_PASSWORD})
    assert nobody.status_code == 403 and "unknown user" in nobody.json()["error"]


def test_a_token_made_on_the_page_is_shown_once_works_and_stops_when_revoked(site: Site) -> None:
    client = site.signed_in(HIGH)
    token = csrf_of(client.get("/admin").text)
    made = client.post("/admin/tokens", data={"csrf_token": token, "user": LOW, "label": "etl"})
    assert made.status_code == 201
    found = re.search(r'<code id="new-token">(nx_[^<]+)</code>', made.text)
    assert found is not None
    secret = found.group(1)
    bearer = TestClient(site.client.app, headers={"Authorization": f"Bearer {secret}"})
    me = bearer.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["name"] == LOW and me.json()["via"] == "token"
    listing = client.get("/admin").text
    assert secret not in listing  # only on the page that made it
    number = re.search(r"Token number</dt><dd>(\d+)", made.text)
    assert number is not None
    token_id = int(number.group(1))
    revoked = client.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/admin?done=revoked"
    assert bearer.get("/api/v1/me").status_code == 401


def test_the_api_makes_lists_and_revokes_tokens(site: Site) -> None:
    api = TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(HIGH)}"})
    made = api.post("/api/v1/admin/tokens", json={"user": LOW, "label": "nightly export"})
    assert made.status_code == 201
    body = made.json()
    assert body["user"] == LOW and body["token"].startswith("nx_")
    bearer = TestClient(site.client.app, headers={"Authorization": f"Bearer {body['token']}"})
    assert bearer.get("/api/v1/status").status_code == 200
    listed = {t["id"]: t for t in api.get("/api/v1/admin/tokens").json()}
    assert listed[body["id"]]["label"] == "nightly export" and "token" not in listed[body["id"]]
    assert api.delete(f"/api/v1/admin/tokens/{body['id']}").status_code == 204
    assert bearer.get("/api/v1/status").status_code == 401
    after = {t["id"]: t for t in api.get("/api/v1/admin/tokens").json()}
    assert after[body["id"]]["revoked_at"]
    assert api.delete("/api/v1/admin/tokens/999999").status_code == 404
    too_long = api.post("/api/v1/admin/tokens", json={"user": LOW, "label": "x" * 300})
    assert too_long.status_code == 422
