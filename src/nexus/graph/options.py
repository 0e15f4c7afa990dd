"""How a viewer's graph is built (hub limits, holder rules): the options that are part of every
cache key, kept apart from the builder so a cached answer is found without loading it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class GraphOptions:
    """How the graph is built; part of the cache key."""

    hub_limit: int = 25  # a phone/account/vehicle/address shared by more entities is dropped
    occasion_limit: int = 40  # an occasion with more participants ties nobody to anybody
    payment_hub: int = 50  # payees of more counterparties, with no other tie, are shops
    address_needs_number: bool = True  # a street without a house number is a neighbourhood
    same_holder: bool = True  # one account number and one name are one holder

    def key(self) -> str:
        text = repr(sorted(asdict(self).items()))
        return hashlib.sha1(text.encode()).hexdigest()[:12]
