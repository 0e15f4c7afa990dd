"""Server-rendered pages: one Jinja2 environment, and `render`, which fills a template, marks
every value it shows and puts the banner those marks add up to at the page's top and bottom.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments import render_block
from markupsafe import escape

from nexus import __version__
from nexus.settings import Settings
from nexus.web.deps import CSRF_FIELD, Caller
from nexus.web.marks import Banner, PageMarks

# The banner depends on everything the page shows, so it is known only once the page is filled:
# templates leave this mark where it goes.
BANNER_SLOT = "<!--nexus:banner-->"

NAVIGATION = (
    ("home", "/", "Home"),
    ("search", "/search", "Search"),
    ("review", "/review", "Review"),
    ("alerts", "/alerts", "Alerts"),
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nexus.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.globals["csrf_field"] = CSRF_FIELD
    env.filters["day"] = lambda stamp: (stamp or "")[:10]
    return env


def banner_html(banner: Banner, place: str) -> str:
    return (
        f'<div class="banner banner-{place}" id="banner-{place}" role="note" '
        f'aria-label="Classification of this page" '
        f'style="--banner-bg:{banner.background};--banner-fg:{banner.foreground}">'
        f"{escape(banner.text)}</div>"
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    settings: Settings,
    caller: Caller | None,
    marks: PageMarks | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> HTMLResponse:
    """The page (or, for an htmx request naming `block`, that block of it with the banners
    swapped out of band), marked from the markings `marks` collected while it was filled."""
    marks = marks or PageMarks(settings)
    values = {
        **context,
        "request": request,
        "caller": caller,
        "viewer": None if caller is None else caller.viewer,
        "csrf": "" if caller is None else caller.csrf,
        "marks": marks,
        "navigation": NAVIGATION,
        "banner_slot": BANNER_SLOT,
    }
    env = environment()
    fragment = block is not None and request.headers.get("HX-Request") == "true"
    if fragment:
        assert block is not None
        html = render_block(env, template, block, values)
        banner = marks.banner()
        html += banner_html(banner, "top").replace(
            'id="banner-top"', 'id="banner-top" hx-swap-oob="true"'
        )
        html += banner_html(banner, "bottom").replace(
            'id="banner-bottom"', 'id="banner-bottom" hx-swap-oob="true"'
        )
    else:
        html = env.get_template(template).render(values)
        banner = marks.banner()
        top, bottom = banner_html(banner, "top"), banner_html(banner, "bottom")
        first, _, rest = html.partition(BANNER_SLOT)
        middle, _, last = rest.rpartition(BANNER_SLOT)
        html = first + top + middle + bottom + last
    response = HTMLResponse(html, status_code=status_code)
    response.headers["X-Classification"] = banner.text
    return response


__all__ = ["BANNER_SLOT", "NAVIGATION", "banner_html", "environment", "render"]
