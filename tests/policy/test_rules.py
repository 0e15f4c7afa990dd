"""Need-to-know rules: clearance, originator, compartment, releasability, domestic-only."""

from __future__ import annotations

import pytest

from nexus.policy import Viewer, denial_reasons, may_see
from nexus.settings import load_settings
from nexus.store import Marking

SETTINGS = load_settings()
FIA = Viewer("ali", "FIA", "CONFIDENTIAL")
FIA_VICTIMS = Viewer("sana", "FIA", "SECRET", frozenset({"VICTIMS"}))
UNODC = Viewer("un", "UNODC", "SECRET", partner="UNODC")


@pytest.mark.parametrize(
    ("viewer", "marking", "allowed"),
    [
        (FIA, Marking("ANF", "RESTRICTED"), True),
        (FIA, Marking("ANF", "CONFIDENTIAL"), True),
        (FIA, Marking("ANF", "SECRET"), False),
        (FIA, Marking("ANF", "RESTRICTED", frozenset({"AGENCY-ONLY"})), False),
        (FIA, Marking("FIA", "RESTRICTED", frozenset({"AGENCY-ONLY"})), True),
        (FIA, Marking("FIA", "RESTRICTED", frozenset({"COMP:VICTIMS"})), False),
        (FIA_VICTIMS, Marking("FIA", "SECRET", frozenset({"COMP:VICTIMS"})), True),
        (FIA, Marking("ANF", "RESTRICTED", frozenset({"REL:UNODC"})), True),
        (UNODC, Marking("ANF", "RESTRICTED"), False),
        (UNODC, Marking("ANF", "RESTRICTED", frozenset({"REL:UNODC"})), True),
        (UNODC, Marking("ANF", "RESTRICTED", frozenset({"REL:INTERPOL"})), False),
        (UNODC, Marking("ANF", "RESTRICTED", frozenset({"REL:UNODC", "NOFORN"})), False),
        (UNODC, Marking("UNODC", "RESTRICTED"), True),
        (FIA, Marking("ANF", "RESTRICTED", frozenset({"NOFORN"})), True),
        (FIA, Marking("ANF", "RESTRICTED", frozenset({"EYES-ONLY"})), False),
        (FIA, Marking("ANF", "TOP SECRET"), False),
    ],
)
def test_may_see_follows_clearance_and_caveats(
    viewer: Viewer, marking: Marking, allowed: bool
) -> None:
    assert may_see(viewer, marking, SETTINGS) is allowed


def test_denials_explain_every_reason() -> None:
    reasons = denial_reasons(
        UNODC, Marking("ANF", "SECRET", frozenset({"AGENCY-ONLY", "COMP:VICTIMS"})), SETTINGS
    )
    assert reasons == [
        "AGENCY-ONLY: only ANF may see it",
        "COMP:VICTIMS: viewer does not hold compartment VICTIMS",
        "not released to partner UNODC",
    ]


def test_configured_levels_replace_the_defaults() -> None:
    settings = load_settings(classification_levels=["OFFICIAL", "OFFICIAL-SENSITIVE"])
    viewer = Viewer("x", "FIA", "OFFICIAL")
    assert may_see(viewer, Marking("FIA", "OFFICIAL"), settings)
    assert not may_see(viewer, Marking("FIA", "OFFICIAL-SENSITIVE"), settings)
    assert not may_see(viewer, Marking("FIA", "RESTRICTED"), settings)
