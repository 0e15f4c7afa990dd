"""Candidate generation for screening: list entries indexed by normalised name keys, so a million
records meet only the few entries that share a telling word with them, never the whole list.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import duckdb
import numpy as np

from nexus.finance.screening_match import ARTICLES, NameForm, Party, initial_of, token_skeleton

MAX_PAIR_TOKENS = 5  # word pairs are keyed for the first this many words of a name
# Loose skeletons for keys only: the letters Urdu script and careless romanisation confuse.
_LOOSE = str.maketrans({"z": "s", "q": "k", "v": "w", "x": "k", "c": "k", "j": "g"})


def loose(skeleton: str) -> str:
    """A skeleton with look-alike letters folded and a glued Arabic article dropped."""
    folded = skeleton.translate(_LOOSE)
    if folded[:2] in ARTICLES and len(folded) >= 5:
        folded = folded[2:]
    return folded


@dataclass(frozen=True)
class IndexConfig:
    """How many entries a record may meet.

    A key held by more than `cap` entry names (or `cap_share` of them, whichever is more) says
    too little to fetch them all ("muhammad", "khan"): it is dropped, though word pairs containing
    it and the whole name still count. A record's name and an entry's name are scored as TF-IDF
    vectors of keys are (the shared keys' squared weights over the entry name's length, rarer keys
    weighing more), so "Khuda Bakhsh" ranks the entry "Khuda Bakhsh" above "Khuda Bakhsh Baloch".
    Each record's names then meet at most `candidates` entries, none with a cosine under
    `min_score` or weaker than `min_ratio` of its best candidate. Identifiers and phones always
    fetch their entries.
    """

    candidates: int = 20
    cap: int = 100
    cap_share: float = 0.01
    min_ratio: float = 0.3
    min_score: float = 0.3


def name_keys(form: NameForm) -> set[str]:
    """The keys a name is found by, by kind: its words, their consonant skeletons and loose
    skeletons, word pairs, skeleton pairs, the whole name as words, skeletons and loose
    skeletons, each word replaced by its initial ("k|bakhsh khan" finds "K. Bakhsh Khan"), and
    adjacent words glued ("Allah Ditta" is found by "Allahditta")."""
    kind = form.kind[0]
    tokens = sorted(set(form.tokens))
    skeletons = sorted({s for t in tokens if len(s := token_skeleton(t)) >= 2})
    loosened = sorted({loose(s) for s in skeletons})
    keys = {
        f"{kind}n:{form.key}",
        f"{kind}m:{' '.join(skeletons)}",
        f"{kind}l:{' '.join(loosened)}",
    }
    keys.update(f"{kind}t:{t}" for t in tokens)
    keys.update(f"{kind}s:{s}" for s in skeletons)
    keys.update(f"{kind}o:{s}" for s in loosened)
    keys.update(f"{kind}b:{a}|{b}" for a, b in combinations(tokens[:MAX_PAIR_TOKENS], 2))
    keys.update(f"{kind}c:{a}|{b}" for a, b in combinations(skeletons[:MAX_PAIR_TOKENS], 2))
    short = [t for t in form.tokens if len(t) <= 2]
    initials = [*form.initials, *short]
    full = [t for t in form.tokens if len(t) > 2]
    if len(initials) == 1 and full:
        keys.add(f"{kind}a:{initials[0][0]}|{' '.join(sorted(full))}")
    elif not initials and len(full) >= 2:
        for i, token in enumerate(full):
            rest = " ".join(sorted(full[:i] + full[i + 1 :]))
            keys.add(f"{kind}a:{initial_of(token)}|{rest}")
    for a, b in zip(form.tokens, form.tokens[1:], strict=False):
        keys.add(f"{kind}g:{loose(token_skeleton(a + b))}")
    if len(form.tokens) <= 3:
        keys.update(f"{kind}g:{loose(token_skeleton(t))}" for t in form.tokens if len(t) > 5)
    return keys


def identifier_keys(party: Party) -> set[str]:
    return {f"i:{value}" for _, value in party.identifiers} | {f"f:{p}" for p in party.phones}


class EntryIndex:
    """List entries' names by key; `candidates` gives each record the entries worth comparing."""

    def __init__(
        self,
        entries: Sequence[Party],
        config: IndexConfig | None = None,
        threads: int | None = None,
    ) -> None:
        self.entries = list(entries)
        self.config = config or IndexConfig()
        postings: dict[str, set[int]] = defaultdict(set)
        identifiers: dict[str, set[int]] = defaultdict(set)
        owners: list[int] = []  # entry of each indexed name
        for number, entry in enumerate(self.entries):
            for form in entry.names:
                for key in name_keys(form):
                    postings[key].add(len(owners))
                owners.append(number)
            for key in identifier_keys(entry):
                identifiers[key].add(number)
        size = max(len(owners), 1)
        cap = max(self.config.cap, int(self.config.cap_share * size))
        kept = {
            key: sorted(names)
            for key, names in sorted(postings.items())
            # A whole name is kept however common: an exact name must always meet its entry.
            if len(names) <= cap or key[1] in "nml"
        }
        self.key_ids = {key: i for i, key in enumerate(kept)}
        self.identifiers = {key: sorted(numbers) for key, numbers in identifiers.items()}
        self.dropped = len(postings) - len(kept)
        weights = np.array([1.0 + math.log(size / len(n)) for n in kept.values()])
        key_column = np.repeat(
            np.arange(len(kept), dtype=np.int64), [len(n) for n in kept.values()]
        )
        name_column = np.fromiter(
            (n for names in kept.values() for n in names), dtype=np.int64, count=len(key_column)
        )
        squared = weights[key_column] ** 2
        lengths = np.sqrt(np.bincount(name_column, weights=squared, minlength=len(owners)))
        self._db = duckdb.connect()
        if threads is not None:
            self._db.execute(f"SET threads = {int(threads)}")
        frame = {
            "key": key_column,
            "entry": np.asarray(owners, dtype=np.int64)[name_column],
            "w": squared / np.maximum(lengths[name_column], 1e-9),
            "name": name_column,
        }
        self._db.register("entry_keys_frame", frame)
        self._db.execute("CREATE TABLE entry_keys AS SELECT * FROM entry_keys_frame")
        self._db.unregister("entry_keys_frame")
        self._db.register(
            "key_weights_frame", {"key": np.arange(len(kept), dtype=np.int64), "w2": weights**2}
        )
        self._db.execute("CREATE TABLE key_weights AS SELECT * FROM key_weights_frame")
        self._db.unregister("key_weights_frame")

    def close(self) -> None:
        self._db.close()

    def candidates(self, subjects: Sequence[Party]) -> list[list[int]]:
        """For each record, the entries (by position) its names or identifiers point to."""
        forms: dict[NameForm, int] = {}
        form_keys: list[list[int]] = []
        record_forms: list[list[int]] = []
        for party in subjects:
            mine = []
            for form in party.names:
                number = forms.get(form)
                if number is None:
                    number = forms[form] = len(form_keys)
                    form_keys.append(
                        [k for key in name_keys(form) if (k := self.key_ids.get(key)) is not None]
                    )
                mine.append(number)
            record_forms.append(mine)
        by_form = self._ranked(form_keys)
        out: list[list[int]] = []
        for party, mine in zip(subjects, record_forms, strict=True):
            found: set[int] = set()
            for number in mine:
                found.update(by_form.get(number, ()))
            for key in identifier_keys(party):
                found.update(self.identifiers.get(key, ()))
            out.append(sorted(found))
        return out

    def _ranked(self, form_keys: list[list[int]]) -> dict[int, list[int]]:
        """The best entries for each distinct name form: each entry by its best-scoring name."""
        lengths = [len(keys) for keys in form_keys]
        if not sum(lengths):
            return {}
        form_column = np.repeat(np.arange(len(form_keys), dtype=np.int64), lengths)
        key_column = np.fromiter(
            (k for keys in form_keys for k in keys), dtype=np.int64, count=len(form_column)
        )
        self._db.register("form_keys", {"form": form_column, "key": key_column})
        try:
            rows = self._db.execute(
                """
                WITH norms AS (
                    SELECT f.form, sqrt(sum(k.w2)) AS norm
                    FROM form_keys f JOIN key_weights k ON f.key = k.key
                    GROUP BY f.form
                ), names AS (
                    SELECT f.form, e.entry, e.name, sum(e.w) AS score
                    FROM form_keys f JOIN entry_keys e ON f.key = e.key
                    GROUP BY f.form, e.entry, e.name
                ), scored AS (
                    SELECT n.form, n.entry, max(n.score) / any_value(norms.norm) AS score
                    FROM names n JOIN norms ON n.form = norms.form
                    GROUP BY n.form, n.entry
                ), ranked AS (
                    SELECT form, entry, score,
                        row_number() OVER (PARTITION BY form ORDER BY score DESC, entry) AS rank,
                        max(score) OVER (PARTITION BY form) AS best
                    FROM scored
                )
                SELECT form, entry FROM ranked
                WHERE rank <= ? AND score >= ? AND score >= ? * best
                ORDER BY form, entry
                """,
                [self.config.candidates, self.config.min_score, self.config.min_ratio],
            ).fetchnumpy()
        finally:
            self._db.unregister("form_keys")
        forms, entries = rows["form"], rows["entry"]
        found: dict[int, list[int]] = {}
        if len(forms):
            starts = np.flatnonzero(np.r_[True, forms[1:] != forms[:-1]])
            ends = np.r_[starts[1:], len(forms)]
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
                found[int(forms[start])] = entries[start:end].tolist()
        return found


def chunks(items: Iterable[Party], size: int) -> Iterable[list[Party]]:
    batch: list[Party] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
