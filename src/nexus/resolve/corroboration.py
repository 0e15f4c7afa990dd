"""Corroboration of scored pairs: whether two records agree on something beyond their names, for
every pair at once (numpy arrays over the pairs, rapidfuzz for edit distances; no loop per pair).

At national scale names are the weakest evidence there is: among a million records the same
written name belongs to different people far more often than to one. So a pair is *corroborated*
only when something beyond the name agrees — an identifier (exactly or one digit off), a shared
phone, bank account or vehicle, a date of birth (exact, day and month swapped, one digit off),
the father's name (exact, skeleton, one within the other) or most of an address — and, for the
date, the father's name and the address, when that agreement is unlikely to be a coincidence
among the other bearers of the name (see `corroborated`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA
from rapidfuzz.process import cpdist

__all__ = [
    "ADDRESS_WEIGHT",
    "COINCIDENCE",
    "CORROBORATING",
    "NEAR_DATES",
    "corroborated",
    "corroborated_pair",
    "text",
]

# Explanation features (MatchPair) whose agreement corroborates a name: feature -> levels that
# count. The comparisons' "names differ" levels of shared contacts do not count.
CORROBORATING: dict[str, tuple[str, ...]] = {
    "CNIC": ("exact match", "one digit off"),
    "Registration number": ("exact match", "one digit off"),
    "Phone": ("shared number",),
    "Bank account": ("shared account",),
    "Vehicle": ("shared vehicle",),
    "Date of birth": ("exact match", "day and month swapped", "one digit off"),
    "Father's name": (
        "exact match",
        "skeleton match",
        "one name within the other",
        "similar spelling",
    ),
    "Address": ("most words shared",),
}
_ADDRESS_SHARE = 0.6  # Jaccard of address words that corroborates (the comparison's top level)
_ADDRESS_WORDS = 2  # an address of one word ("Lahore") says too little
# A date of birth, father's name or address corroborates only when fewer than this many other
# records are expected to bear the name and agree on them by chance (see `corroborated`).
COINCIDENCE = 0.05
ADDRESS_WEIGHT = 5  # a neighbourhood is shared by more people than a father's name: its share x 5
NEAR_DATES = 20  # valid dates one slip (a digit, day and month swapped) from a given date


def corroborated_pair(pair: Any) -> bool:
    """True when a MatchPair's explanation shows agreement beyond the names (see CORROBORATING)."""
    for item in pair.explanation:
        levels = CORROBORATING.get(item.feature)
        if levels and item.level in levels and (item.weight is None or item.weight > 0):
            return True
    return False


def corroborated(frame: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """For each pair (unique_id_l, unique_id_r) of `pairs`, whether the records of `frame` (a
    person or organisation feature frame) agree on something beyond their names.

    An identifier one slip apart always corroborates. Anything else only when the names agree
    (the same key one edit apart, the same skeleton, or one name's words within the other's):
    "Muhammad Ali Khan" and "Muhammad Hussain Khan" born a digit apart are two people in any
    large population. Then a shared phone, account or vehicle does. A date of birth (exact, day
    and month swapped, one slip), a father's name (exact, skeleton, one within the other) or
    most of an address does when fewer than COINCIDENCE other records are expected to bear the
    name and agree on all of them by chance: (records with the name - 1) x the product of the
    agreeing values' shares (_shares; a date one slip away counts NEAR_DATES times its date's
    share, an address ADDRESS_WEIGHT times its own). So a common name needs more agreeing
    details than a rare one, and the same details mean less in a larger population.

    Vectorised over the pairs in chunks (numpy, rapidfuzz for edit distances): a million
    records give tens of millions of scored pairs.
    """
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    index = pd.Index(frame["unique_id"].astype(str))
    left = index.get_indexer(_ids(pairs["unique_id_l"]))
    right = index.get_indexer(_ids(pairs["unique_id_r"]))
    if (left < 0).any() or (right < 0).any():
        raise KeyError("a pair names a record the frame does not hold")
    records = _Records(frame)
    out = np.zeros(len(left), dtype=bool)
    for start in range(0, len(left), _CHUNK):
        stop = start + _CHUNK
        out[start:stop] = records.corroborated(left[start:stop], right[start:stop])
    return out


_CHUNK = 1_000_000  # pairs checked at once: bounds the temporary arrays


def _ids(values: pd.Series) -> pd.Index:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return pd.Index(values.cat.categories.astype(str)).take(values.cat.codes.to_numpy())
    return pd.Index(values.astype(str))


class _Records:
    """The frame's columns as arrays the pair checks index: codes for exact comparisons,
    padded code matrices for sets, strings for edit distances, shares for coincidences.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        identifier = "id_number" if "id_number" in frame.columns else "registration"
        self.ids = _texts(_column(frame, identifier))
        self.id_code = _codes(self.ids)
        self.keys = _texts(_column(frame, "name_key"))
        self.key_code = _codes(self.keys)
        self.skeleton = _codes(_texts(_column(frame, "name_skeleton")))
        vocabulary: dict[str, int] = {}
        self.tokens = _sets(_column(frame, "tokens"), vocabulary)
        self.contacts = [
            _sets(_column(frame, c), vocabulary) for c in ("phones", "accounts", "vehicles")
        ]
        self.address = _sets(_column(frame, "address_tokens"), vocabulary)
        self.dobs = _texts(_column(frame, "dob"))
        swapped = _texts(_column(frame, "dob_swapped"))
        codes = _codes(np.concatenate([self.dobs, swapped]))
        full = np.array([d is not None and len(d) == 10 for d in self.dobs], dtype=bool)
        self.dob = np.where(full, codes[: len(frame)], -1)
        self.swapped = np.where(full & (codes[len(frame) :] >= 0), codes[len(frame) :], -2)
        self.father = _codes(_texts(_column(frame, "father_key")))
        self.father_skeleton = _codes(_texts(_column(frame, "father_skeleton")))
        self.father_tokens = _sets(_column(frame, "father_tokens"), vocabulary)
        names = pd.Series(self.keys, dtype=object)
        family = pd.Series(_texts(_column(frame, "family")), dtype=object)
        self.bearers = _counts(names) - 1
        # A father's name goes with the family name ("Ali Khan s/o Bilal Khan"): its share is
        # counted among the records of the family, the others' among all records.
        self.s_father = _shares(_column(frame, "father_key"), names, family)
        self.s_place = _shares(_places(frame), names)
        self.s_dob = _shares(_column(frame, "dob"), names)

    def corroborated(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For pairs of record positions (a[i], b[i]): see `corroborated`."""
        ok = _equal(self.id_code, a, b)
        slip = ~ok & (self.id_code[a] >= 0) & (self.id_code[b] >= 0)
        ok[slip] = _one_slip(self.ids, a[slip], b[slip], same_length=True)
        names = ~ok & (
            _equal(self.key_code, a, b)
            | _equal(self.skeleton, a, b)
            | _within(self.tokens, a, b, nonempty=True)
        )
        fuzzy = ~ok & ~names & (self.key_code[a] >= 0) & (self.key_code[b] >= 0)
        names[fuzzy] = _one_slip(self.keys, a[fuzzy], b[fuzzy], same_length=False)
        at = np.flatnonzero(names)
        a, b = a[at], b[at]
        contact = np.zeros(len(a), dtype=bool)
        for sets in self.contacts:
            contact |= _overlap(sets, a, b)
        exact = _equal(self.dob, a, b)
        near = exact | (self.dob[a] == self.swapped[b]) | (self.swapped[a] == self.dob[b])
        typo = ~near & (self.dob[a] >= 0) & (self.dob[b] >= 0)
        near[typo] = _one_slip(self.dobs, a[typo], b[typo], same_length=True)
        father = (self.father[a] >= 0) & (self.father[b] >= 0)
        father &= (
            (self.father[a] == self.father[b])
            | (self.father_skeleton[a] == self.father_skeleton[b])
            | _within(self.father_tokens, a, b, nonempty=False)
        )
        place = _jaccard(self.address, a, b, _ADDRESS_SHARE, _ADDRESS_WORDS)
        dob_share = np.maximum(self.s_dob[a], self.s_dob[b])
        chance = np.maximum(self.bearers[a], self.bearers[b])
        chance *= np.where(exact, dob_share, np.where(near, NEAR_DATES * dob_share, 1.0))
        chance *= np.where(father, np.maximum(self.s_father[a], self.s_father[b]), 1.0)
        place_share = ADDRESS_WEIGHT * np.maximum(self.s_place[a], self.s_place[b])
        chance *= np.where(place, place_share, 1.0)
        ok[at] = contact | ((near | father | place) & (chance < COINCIDENCE))
        return ok


def _equal(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Both records hold the value and it is the same (codes: -1 for none)."""
    return np.asarray((codes[a] == codes[b]) & (codes[a] >= 0))


def _one_slip(texts: np.ndarray, a: np.ndarray, b: np.ndarray, same_length: bool) -> np.ndarray:
    """Texts one edit apart (a character inserted, deleted, substituted, or two adjacent ones
    swapped); with `same_length`, one substitution or swap only: a slip in an identifier or a
    date, not a digit lost.
    """
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    left, right = texts[a], texts[b]
    distance = cpdist(list(left), list(right), scorer=OSA.distance, score_cutoff=1, workers=-1)
    close = np.asarray(distance) <= 1
    if same_length:
        lengths = np.frompyfunc(len, 1, 1)
        close &= lengths(left).astype(np.int64) == lengths(right).astype(np.int64)
    return np.asarray(close)


def _within(sets: np.ndarray, a: np.ndarray, b: np.ndarray, nonempty: bool) -> np.ndarray:
    """One record's set within the other's (sets: padded code matrix, -1 for no item); with
    `nonempty` both must hold something, else an empty set is within any other.
    """
    left, right = sets[a], sets[b]
    has_l, has_r = left >= 0, right >= 0
    l_in_r = (~has_l | _member(left, right)).all(axis=1)
    r_in_l = (~has_r | _member(right, left)).all(axis=1)
    within = l_in_r | r_in_l
    if nonempty:
        within &= has_l.any(axis=1) & has_r.any(axis=1)
    return np.asarray(within)


def _member(items: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """For each item of each row, whether the same row of `sets` holds it."""
    out = np.zeros(items.shape, dtype=bool)
    for j in range(sets.shape[1]):
        out |= (items == sets[:, j : j + 1]) & (items >= 0)
    return out


def _overlap(sets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The records' sets share an item."""
    return np.asarray(_member(sets[a], sets[b]).any(axis=1))


def _jaccard(
    sets: np.ndarray, a: np.ndarray, b: np.ndarray, share: float, words: int
) -> np.ndarray:
    """Both sets of at least `words` items, sharing at least `share` of their union."""
    left, right = sets[a], sets[b]
    size_l, size_r = (left >= 0).sum(axis=1), (right >= 0).sum(axis=1)
    common = _member(left, right).sum(axis=1)
    union = size_l + size_r - common
    return np.asarray((size_l >= words) & (size_r >= words) & (common >= share * union))


def _texts(values: pd.Series) -> np.ndarray:
    """Text values as an object array, missing and empty ones as None."""
    out = np.empty(len(values), dtype=object)
    out[:] = _strings(values)
    return out


def _codes(texts: np.ndarray) -> np.ndarray:
    """Integer codes of values (equal values, equal codes), -1 for none."""
    return np.asarray(pd.factorize(pd.Series(texts, dtype=object))[0], dtype=np.int64)


def _sets(values: pd.Series, vocabulary: dict[str, int]) -> np.ndarray:
    """List values as a matrix of distinct item codes, one row per record, padded with -1."""
    rows = [
        sorted({vocabulary.setdefault(v, len(vocabulary)) for v in items or ()})
        for items in _lists(values)
    ]
    width = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), width), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def text(value: Any) -> str | None:
    """A frame's value as text, missing (None, NA, NaN) and empty ones as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value) or None


def _strings(values: pd.Series) -> list[str | None]:
    """Text values, missing and empty ones as None."""
    return [text(value) for value in values.tolist()]


def _lists(values: pd.Series) -> list[list[str] | None]:
    """List values as lists of strings (a lone string as a list of one), missing ones as None."""
    out: list[list[str] | None] = []
    for value in values.tolist():
        if isinstance(value, str):
            out.append([value])
        elif value is None or isinstance(value, float):
            out.append(None)
        else:
            try:
                out.append([str(v) for v in value])
            except TypeError:
                out.append(None)
    return out


def _places(frame: pd.DataFrame) -> pd.Series:
    """An address as one value (its distinct words, sorted), for counting who shares it."""
    return pd.Series(
        [
            " ".join(sorted(set(words))) if words else None
            for words in _lists(_column(frame, "address_tokens"))
        ],
        dtype=object,
    )


def _counts(values: pd.Series) -> np.ndarray:
    """For each record, how many records of the input hold its value (1 when it has none)."""
    series = pd.Series(_strings(values), dtype=object)
    return np.asarray(series.map(series.value_counts()).fillna(1), dtype=np.float64)


def _shares(values: pd.Series, names: pd.Series, within: pd.Series | None = None) -> np.ndarray:
    """For each record, the share of the value it holds among the records of *other* names
    (within its group: `within`, else the whole input), at least half a record's worth.

    Counted among other names because the records of one person, who bears the name, all
    hold the value: a date of birth written on a suspect's forty records is not common.
    """
    value = pd.Series(_strings(values), dtype=object)
    group = within if within is not None else pd.Series([""] * len(value), dtype=object)
    frame = pd.DataFrame({"v": value, "n": names, "g": group.fillna("")})
    group_size = frame.groupby("g")["g"].transform("size")
    group_name = frame.groupby(["g", "n"], dropna=False)["g"].transform("size")
    holders = frame.groupby(["g", "v"])["g"].transform("size")
    own = frame.groupby(["g", "v", "n"], dropna=False)["g"].transform("size")
    others = (holders - own).clip(lower=0.5)
    population = (group_size - group_name).clip(lower=1)
    share = (others / population).where(value.notna(), 1.0)
    return np.asarray(share.clip(upper=1.0), dtype=np.float64)
