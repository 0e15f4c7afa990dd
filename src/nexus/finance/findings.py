"""What a detector or the screener found, before it becomes an alert: the one shape that the
typology detectors, sanctions screening and the alert queue share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One suspicion with its reasons: each reason is a fact an analyst can check."""

    kind: str  # the typology ("structuring", "fan_in", …) or "sanctions"
    score: float  # 0..1, how strongly the facts fit the pattern
    reasons: tuple[str, ...]  # readable facts, most telling first
    transactions: tuple[str, ...] = ()  # payment ids (as loaded / as in the scanned file)
    entities: tuple[str, ...] = ()  # accounts, people, companies involved (entity ids)
    details: Mapping[str, Any] = field(default_factory=dict)  # the figures behind the reasons
