"""Classification banners and portion marks: what a page or a value is marked, computed from
the markings of the statements it shows (never from what the viewer could not see).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nexus.settings import Settings
from nexus.store import Marking

# The usual label colours (SF 706-712); RESTRICTED has no US label, so a purple is chosen.
# Levels not named here take the grey of an unknown level; both are documented in docs/web.md.
BANNER_COLOURS: dict[str, tuple[str, str]] = {
    "UNCLASSIFIED": ("#007a33", "#ffffff"),
    "RESTRICTED": ("#502b85", "#ffffff"),
    "CONFIDENTIAL": ("#0033a0", "#ffffff"),
    "SECRET": ("#c8102e", "#ffffff"),
    "TOP SECRET": ("#ff8c00", "#000000"),
}
UNKNOWN_COLOURS = ("#444444", "#ffffff")


def level_abbreviation(level: str) -> str:
    """`CONFIDENTIAL` → `C`, `TOP SECRET` → `TS`: the initials of the level's words."""
    return "".join(word[0] for word in level.split()) or level


@dataclass(frozen=True)
class Banner:
    """The marking a whole page carries: its text and colours."""

    text: str
    level: str
    background: str
    foreground: str


@dataclass
class PageMarks:
    """Collects the markings of what one response shows, for its banner and portion marks."""

    settings: Settings
    known: dict[int, Marking] = field(default_factory=dict)  # marking id → marking
    seen: list[Marking] = field(default_factory=list)

    def add(self, markings: Iterable[Marking]) -> None:
        self.seen.extend(markings)

    def portion(self, marking: Marking) -> str:
        """`(C)`, `(S//AGENCY-ONLY)`: the portion mark of one value, recorded for the banner."""
        self.seen.append(marking)
        return portion_mark(marking)

    def portion_of(self, markings: Iterable[Marking]) -> str:
        """One portion mark for a value resting on several statements: their combination."""
        found = list(markings)
        self.seen.extend(found)
        if not found:
            return ""
        return f"({combined_text(found, self.settings, abbreviate=True)})"

    def portion_ids(self, marking_ids: Iterable[int]) -> str:
        """The portion mark of something resting on statements of these marking ids (an
        alert's or a link's evidence)."""
        return self.portion_of(self.known[i] for i in marking_ids if i in self.known)

    def banner(self) -> Banner:
        return banner_for(self.seen, self.settings)


def portion_mark(marking: Marking) -> str:
    parts = [level_abbreviation(marking.classification), *sorted(marking.caveats)]
    return f"({'//'.join(parts)})"


def combined_text(markings: Iterable[Marking], settings: Settings, abbreviate: bool = False) -> str:
    """The highest level, then the caveats of every marking; releasability (REL:X) only where
    every marking is releasable to X, since one unreleasable value makes the page unreleasable."""
    found = list(markings)
    ranks = settings.level_rank
    lowest = settings.classification_levels[0]
    level = max((m.classification for m in found), key=lambda c: ranks.get(c, 0), default=lowest)
    releasable: set[str] | None = None
    restrictive: set[str] = set()
    for marking in found:
        rel = {c for c in marking.caveats if _kind(c, settings) == "releasability"}
        restrictive |= set(marking.caveats) - rel
        releasable = rel if releasable is None else releasable & rel
    caveats = sorted(releasable or set()) + sorted(restrictive)
    head = level_abbreviation(level) if abbreviate else level
    return "//".join([head, *caveats])


def banner_for(markings: Iterable[Marking], settings: Settings) -> Banner:
    found = list(markings)
    text = combined_text(found, settings)
    level = text.split("//", 1)[0]
    background, foreground = BANNER_COLOURS.get(level, UNKNOWN_COLOURS)
    return Banner(text=text, level=level, background=background, foreground=foreground)


def _kind(caveat: str, settings: Settings) -> str | None:
    rule = settings.caveat_rule(caveat)
    return None if rule is None else rule.kind


__all__ = [
    "BANNER_COLOURS",
    "Banner",
    "PageMarks",
    "banner_for",
    "combined_text",
    "level_abbreviation",
    "portion_mark",
]
