"""The review queue, the alert queue and administration in a real browser: a pair decided with
a key press and the next one swapped in without a reload; each page checked by axe-core."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from nexus.finance.monitoring import monitor_store
from tests.web.browser import check, new_page, sign_in
from tests.web.conftest import HIGH, LOW, Served


def test_a_key_press_decides_the_pair_and_the_next_one_comes_without_a_reload(
    browser: Browser, served: Served
) -> None:
    _decide_with_a_key(browser, served)


def test_the_alert_pages_and_administration_pass_axe(browser: Browser, served: Served) -> None:
    _alerts_and_admin(browser, served)


def _decide_with_a_key(browser: Browser, served: Served) -> None:
    page = new_page(browser, served)
    sign_in(page, LOW)
    page.goto("/review")
    assert check(page, "review") == []
    reader = served.site.access.reader(LOW)
    first = reader.review_queue(limit=1)[0]
    page.evaluate("window.notReloaded = true")
    page.get_by_role("heading", level=1).click()  # focus outside any text field
    page.keyboard.press("u")
    expect(page.get_by_role("status")).to_contain_text("Recorded:")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the pair in place
    decided = {(j.left_id, j.right_id, j.verdict) for j in reader.judgements()}
    assert (first.left_id, first.right_id, "unsure") in decided
    following = reader.review_queue(limit=1)[0]
    expect(page.locator('input[name="left"]')).to_have_value(following.left_id)
    expect(page.locator("#pair-h")).to_be_focused()
    assert check(page, "review-next") == []
    page.context.close()


def _alerts_and_admin(browser: Browser, served: Served) -> None:
    site = served.site
    if not site.access.reader("fia_secret").alerts():
        monitor_store(site.access, site.access.viewer("fia_secret"))
    alert = next(a for a in site.access.reader("fia_secret").alerts() if a.status == "new")
    page = new_page(browser, served)
    sign_in(page, "fia_secret")
    page.goto("/alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert queue")
    assert check(page, "alerts") == []
    page.goto(f"/alerts/{alert.id}")
    assert check(page, "alert") == []
    page.get_by_role("button", name="Take under review").click()
    expect(page.get_by_role("status")).to_contain_text("taken under review")
    page.get_by_label("Reason (required)").fill("salary payments of a registered employer")
    page.get_by_label("Outcome").select_option("false_positive")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    closed = site.access.reader("fia_secret").alert(alert.id)
    assert closed.status == "closed"
    assert closed.history[-1].note and "registered employer" in closed.history[-1].note
    assert check(page, "alert-closed") == []
    page.context.close()
    admin = new_page(browser, served)
    sign_in(admin, HIGH)
    admin.goto("/admin")
    assert check(admin, "admin") == []
    admin.get_by_label("For user").select_option(LOW)
    admin.get_by_label("What it is for").fill("browser test")
    admin.get_by_role("button", name="Make the token").click()
    expect(admin.locator("#new-token")).to_contain_text("nx_")
    assert check(admin, "admin-token") == []
    admin.context.close()
