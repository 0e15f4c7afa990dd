"""The analyst's path through the pages in a real browser: sign in, the home page, an entity's
provenance, merge and split; every page screenshotted and checked by axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.web.browser import check, new_page, sign_in
from tests.web.conftest import HIGH, LOW, Served


def test_sign_in_page_and_a_wrong_password(browser: Browser, served: Served) -> None:
    page = new_page(browser, served)
    page.goto("/")
    expect(page).to_have_url(f"{served.url}/sign-in?next=/")
    assert check(page, "sign-in") == []
    page.get_by_label("User name").fill(LOW)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong user name or password")
    page.context.close()


def test_home_and_profile_show_banners_and_the_provenance_of_a_value(
    browser: Browser, served: Served
) -> None:
    page = new_page(browser, served)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(served.url) else outside.append(r.url),
    )
    sign_in(page, LOW)
    top = page.locator("#banner-top")
    expect(top).to_have_text("RESTRICTED", use_inner_text=True)
    assert top.bounding_box() is not None and top.bounding_box()["y"] == 0
    assert check(page, "home") == []
    reader = served.site.access.reader(LOW)
    entity = reader.entities(schema="Person", limit=1)[0]
    name = next(s for s in reader.statements(str(entity.id)) if s.prop == "name")
    page.goto(f"/entities/{entity.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(entity.caption)
    row = page.locator("tr", has_text=name.origin).first
    expect(row).to_contain_text(name.dataset)
    expect(row).to_contain_text("(R")
    assert check(page, "entity") == []
    assert outside == []  # the pages asked no other host for anything
    page.context.close()


def test_merge_then_split_from_the_profile(browser: Browser, served: Served) -> None:
    page = new_page(browser, served)
    sign_in(page, HIGH)
    people = served.site.access.reader(HIGH).entities(schema="Person", limit=4)
    a, b = str(people[2].id), str(people[3].id)
    page.goto(f"/entities/{a}")
    page.get_by_label("Other entity or record id").fill(b)
    page.get_by_label("Note").fill("same CNIC on both FIRs")
    page.get_by_role("button", name="Merge: the same").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded: merged")
    check(page, "entity-merged")
    page.get_by_label("Other entity or record id").fill(b)
    page.get_by_label("Note").fill("different fathers")
    page.get_by_role("button", name="Split: not the same").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded: split")
    latest = {(j.left_id, j.right_id): j for j in served.site.access.reader(HIGH).judgements()}
    assert any(j.verdict == "not_same" and j.note == "different fathers" for j in latest.values())
    page.context.close()


def test_search_by_a_name_and_by_an_identifier_written_another_way(
    browser: Browser, served: Served
) -> None:
    reader = served.site.access.reader(LOW)
    stmt = next(
        s
        for s in reader.iter_statements(schema="Person")
        if s.prop == "idNumber" and s.value.count("-") == 2
    )
    name = next(s.value for s in reader.statements(stmt.canonical_id) if s.prop == "name")
    page = new_page(browser, served)
    sign_in(page, LOW)
    page.get_by_label("Search names, identifiers, text").fill(stmt.value.replace("-", ""))
    page.get_by_label("Search names, identifiers, text").press("Enter")
    expect(page.get_by_role("heading", name="found")).to_be_visible()
    page.locator(f'a[href="/entities/{stmt.canonical_id}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"/search?q={name}")
    expect(page.locator(f'a[href="/entities/{stmt.canonical_id}"]').first).to_be_visible()
    assert check(page, "search") == []
    page.context.close()
