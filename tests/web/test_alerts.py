"""The alert queue through the real application: list and filter, an alert's payments, subjects
and history, its steps (a close needs a reason), dissemination under the sharing rules, and 404
for an alert the viewer may not read. Alerts are raised by the store's transaction monitoring."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from nexus.finance.monitoring import monitor_store
from nexus.store import AlertRecord
from nexus.web.alerts import alert_detail, money
from nexus.web.views import entity_refs
from tests.web.conftest import LOW, Site, csrf_of

ANALYST = "fia_secret"  # FIA's cleared analyst: the agency that owns the alerts below


@pytest.fixture(scope="module")
def raised(site: Site) -> list[AlertRecord]:
    """FIA's typology alerts, raised as the CLI's `finance scan` raises them."""
    report = monitor_store(site.access, site.access.viewer(ANALYST))
    assert report.alerts is not None and report.alerts.new, "the scan raised no alert"
    return site.access.reader(ANALYST).alerts()


def _api(site: Site, user: str = ANALYST) -> TestClient:
    return TestClient(site.client.app, headers={"Authorization": f"Bearer {site.token(user)}"})


def _with_payments(raised: list[AlertRecord], status: str = "new") -> AlertRecord:
    found = [a for a in raised if a.transactions and a.status == status]
    assert found, f"no {status} alert with payments"
    return found[0]


def _status(site: Site, alert_id: int) -> str:
    return site.access.reader(ANALYST).alert(alert_id).status


def test_the_queue_lists_and_filters_by_typology_status_and_score(
    site: Site, raised: list[AlertRecord]
) -> None:
    api = _api(site)
    everything = api.get("/api/v1/alerts", params={"limit": 500}).json()
    assert everything["total"] == len(raised) == sum(everything["kinds"].values())
    kind = max(everything["kinds"], key=everything["kinds"].get)
    some = api.get("/api/v1/alerts", params={"kind": kind, "status": "new", "min_score": 0.5})
    assert some.status_code == 200
    listed = some.json()["alerts"]
    assert listed and all(a["kind"] == kind and a["status"] == "new" for a in listed)
    assert all(a["score"] >= 0.5 for a in listed) and listed[0]["markings"]
    assert some.json()["total"] == sum(
        1 for a in raised if a.kind == kind and a.status == "new" and a.score >= 0.5
    )
    assert api.get("/api/v1/alerts", params={"min_score": 2}).status_code == 422
    assert api.get("/api/v1/alerts", params={"status": "lost"}).status_code == 422
    page = site.signed_in(ANALYST).get(
        "/alerts", params={"kind": kind, "status": "", "min_score": ""}
    )
    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert f'<option value="{kind}" selected>' in page.text
    shown = [a for a in raised if a.kind == kind][:3]
    assert all(f'href="/alerts/{a.id}"' in page.text for a in shown)
    other = next(a for a in raised if a.kind != kind)
    assert f'href="/alerts/{other.id}"' not in page.text


def test_an_alert_shows_its_reasons_payments_subjects_and_history(
    site: Site, raised: list[AlertRecord]
) -> None:
    alert = _with_payments(raised)
    data = _api(site).get(f"/api/v1/alerts/{alert.id}").json()
    assert data["reasons"] == list(alert.reasons) and data["history"][0]["action"] == "raised"
    payment = data["payments"][0]
    assert payment["date"] and payment["amount"] and payment["currency"]
    assert data["subjects"] and set(data["actions"]) == {"review", "close"}
    page = site.signed_in(ANALYST).get(f"/alerts/{alert.id}")
    assert page.status_code == 200
    assert alert.reasons[0] in page.text
    assert f"{money(payment['amount'])} {payment['currency']}" in page.text
    assert f'href="/entities/{data["subjects"][0]["id"]}"' in page.text
    assert '<th scope="col">Payer (account holders)</th>' in page.text
    assert 'name="reason" required' in page.text  # the close form asks for a reason
    assert page.headers["x-classification"] != "UNCLASSIFIED"


def test_closing_needs_a_reason_and_reopening_puts_it_back_under_review(
    site: Site, raised: list[AlertRecord]
) -> None:
    alert = _with_payments(raised)
    client = site.signed_in(ANALYST)
    token = csrf_of(client.get(f"/alerts/{alert.id}").text)
    for reason in ({}, {"reason": ""}, {"reason": "   "}):
        refused = client.post(f"/alerts/{alert.id}/close", data={"csrf_token": token, **reason})
        assert refused.status_code == 422, reason
        assert "reason" in refused.text
    assert _status(site, alert.id) == "new"
    closed = client.post(
        f"/alerts/{alert.id}/close",
        data={"csrf_token": token, "reason": "salary payments", "outcome": "false_positive"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == f"/alerts/{alert.id}?done=close"
    page = client.get(closed.headers["location"])
    assert f"Alert {alert.id} closed." in page.text and "salary payments" in page.text
    assert _status(site, alert.id) == "closed"
    reopened = client.post(
        f"/alerts/{alert.id}/reopen", data={"csrf_token": token, "note": "new payments"}
    )
    assert reopened.status_code == 200 and f"Alert {alert.id} reopened." in reopened.text
    assert _status(site, alert.id) == "under_review"
    history = site.access.reader(ANALYST).alert(alert.id).history
    assert [(e.status, e.note) for e in history[-2:]] == [
        ("closed", "salary payments"),
        ("under_review", "new payments"),
    ]


def test_the_api_takes_each_step_and_refuses_a_close_without_reason(
    site: Site, raised: list[AlertRecord]
) -> None:
    alert = [a for a in raised if a.status == "new"][-1]
    api = _api(site)
    assert api.post(f"/api/v1/alerts/{alert.id}/close", json={}).status_code == 422
    assert api.post(f"/api/v1/alerts/{alert.id}/close", json={"reason": " "}).status_code == 422
    assert api.post(f"/api/v1/alerts/{alert.id}/escalate", json={}).status_code == 400
    assert _status(site, alert.id) == "new"
    reviewed = api.post(f"/api/v1/alerts/{alert.id}/review", json={"note": "mine"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "under_review"
    escalated = api.post(f"/api/v1/alerts/{alert.id}/escalate")  # no body: no note
    assert escalated.json()["status"] == "escalated"
    assert "disseminate" in escalated.json()["actions"]
    closed = api.post(
        f"/api/v1/alerts/{alert.id}/close", json={"reason": "reported", "outcome": "confirmed"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["history"][-1]["action"] == "confirmed"
    assert api.post(f"/api/v1/alerts/{alert.id}/reopen", json={}).json()["status"] == (
        "under_review"
    )


def test_dissemination_follows_the_sharing_rules_and_the_recipient_only_reads(
    site: Site, raised: list[AlertRecord]
) -> None:
    alert = [a for a in raised if a.status == "new"][-2]
    api = _api(site)
    api.post(f"/api/v1/alerts/{alert.id}/review", json={})
    api.post(f"/api/v1/alerts/{alert.id}/escalate", json={})
    # A partner sees only what is released to it: FMU's CONFIDENTIAL material is not.
    refused = api.post(f"/api/v1/alerts/{alert.id}/disseminate", json={"agency": "UNODC"})
    assert refused.status_code == 403 and "may not go to UNODC" in refused.json()["error"]
    assert site.access.reader(ANALYST).alert(alert.id).shared_with == frozenset()
    client = site.signed_in(ANALYST)
    page = client.get(f"/alerts/{alert.id}")
    assert '<option value="ANF">' in page.text
    sent = client.post(
        f"/alerts/{alert.id}/disseminate",
        data={"csrf_token": csrf_of(page.text), "agency": "ANF", "note": "their courier"},
    )
    assert sent.status_code == 200 and "disseminated" in sent.text
    recipient = site.signed_in("anf_analyst")
    seen = recipient.get(f"/alerts/{alert.id}")
    assert seen.status_code == 200 and "only FIA may change it" in seen.text
    denied = _api(site, "anf_analyst").post(
        f"/api/v1/alerts/{alert.id}/close", json={"reason": "not ours"}
    )
    assert denied.status_code == 403
    assert site.access.reader(ANALYST).alert(alert.id).status == "escalated"


def test_an_alert_the_viewer_may_not_read_is_404_like_a_missing_one(
    site: Site, raised: list[AlertRecord]
) -> None:
    readable = {a.id for a in site.access.reader(LOW).alerts()}
    hidden = next(a.id for a in raised if a.id not in readable)
    low = _api(site, LOW)
    missing, secret = low.get("/api/v1/alerts/999999"), low.get(f"/api/v1/alerts/{hidden}")
    assert missing.status_code == secret.status_code == 404
    assert set(missing.json()) == set(secret.json()) == {"error", "status"}
    assert site.signed_in(LOW).get(f"/alerts/{hidden}").status_code == 404
    refused = low.post(f"/api/v1/alerts/{hidden}/close", json={"reason": "curious"})
    assert refused.status_code == 404
    assert hidden not in {a["id"] for a in low.get("/api/v1/alerts").json()["alerts"]}


def test_a_payment_row_is_marked_by_what_it_shows_not_by_the_whole_alert(
    site: Site, raised: list[AlertRecord]
) -> None:
    reader = site.access.reader(ANALYST)
    alert = _with_payments(raised)
    found = alert_detail(reader, alert.id)
    line = found.payments[0]
    assert line.sources, "the row names no party or holder"
    shown = reader.statements_of([line.payment_id, *line.sources])
    rested_on = {s.marking for stmts in shown.values() for s in stmts}
    marks = set(found.payment_markings[line.payment_id])
    assert {s.marking for s in shown[line.payment_id]} <= marks <= rested_on
    names = entity_refs(reader, line.sources)
    assert all(set(ref.markings) <= marks for ref in names.values())
