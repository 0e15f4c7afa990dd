"""Script handling for resolution: detect the script, transliterate to Latin ASCII, build skeletons.

Owns the Urdu letter table, the ICU transliterator and the vowel-insensitive consonant skeleton.
"""

# The Urdu letter table is written in Urdu letters, which ruff takes for look-alikes of Latin.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

import icu

# Urdu (and Persian/Arabic/Pashto) letters to Latin as Urdu speakers pronounce them. ICU's
# Arabic-Latin follows Arabic (ذ → dh, ث → th, ض → d) and leaves Urdu letters (ہ ھ ٹ ڈ ڑ ں ے)
# untouched, so the letters are mapped here first and ICU only sees what is left (other
# scripts, accents). ع is mapped to the vowel "a" and ء is dropped: both are silent in Urdu.
# fmt: off
_ARABIC_LETTERS: dict[str, str] = {
    "ا": "a", "آ": "a", "أ": "a", "إ": "i", "ٱ": "a", "ب": "b", "پ": "p", "ت": "t", "ٹ": "t",
    "ث": "s", "ج": "j", "چ": "ch", "ح": "h", "خ": "kh", "د": "d", "ڈ": "d", "ذ": "z", "ر": "r",
    "ڑ": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z",
    "ع": "a", "غ": "gh", "ف": "f", "ق": "q", "ک": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m",
    "ن": "n", "ں": "n", "و": "w", "ؤ": "w", "ہ": "h", "ھ": "h", "ه": "h", "ۃ": "h", "ة": "h",
    "ۂ": "h", "ی": "y", "ي": "y", "ى": "y", "ئ": "y", "ے": "e", "ۓ": "e", "ء": "",
    # Pashto letters
    "ټ": "t", "ډ": "d", "ړ": "r", "ږ": "zh", "ښ": "sh", "ځ": "z", "څ": "s", "ڼ": "n",
    "ۍ": "y", "ې": "e", "ګ": "g", "ڭ": "g",
    # Short-vowel marks are written rarely and inconsistently: drop them, like the script does.
    "\u064b": "", "\u064c": "", "\u064d": "", "\u064e": "", "\u064f": "", "\u0650": "",
    "\u0651": "", "\u0652": "", "\u0654": "", "\u0655": "", "\u0670": "", "\u0656": "",
    "\u0657": "", "\u0640": "",  # tatweel
    "\u200c": " ", "\u200d": "",  # zero-width non-joiner separates words in Persian
}
# fmt: on
_TRANSLATE = str.maketrans(_ARABIC_LETTERS)
# Look-up keys keep ع apart from ا as "3" (the Arabic chat alphabet's ain): عمیر (Umair) and امیر
# (Amir) are both "amyr" in text but "3myr" and "amyr" as keys.
AIN = "3"
_TRANSLATE_KEY = str.maketrans(_ARABIC_LETTERS | {"ع": AIN})
_NOT_KEY = re.compile(r"[^a-z3]+")

# Letters of the Arabic block (U+0600-U+06FF) and its supplements / presentation forms.
_ARABIC_RE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_NON_LETTER = re.compile(r"[^a-z]+")

SCRIPTS = ("latin", "arabic", "mixed")


@cache
def _transliterator() -> Any:
    """ICU's transliterator for everything the Urdu table leaves (built once, ~ms)."""
    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


def detect_script(text: str) -> str:
    """ "arabic" for Perso-Arabic letters only, "mixed" for both kinds, otherwise "latin"."""
    if text.isascii():
        return "latin"
    has_arabic = _ARABIC_RE.search(text) is not None
    if not has_arabic:
        return "latin"
    stripped = _ARABIC_RE.sub("", text)
    if any(ch.isalpha() for ch in stripped):
        return "mixed"
    return "arabic"


def has_arabic(text: str) -> bool:
    return not text.isascii() and _ARABIC_RE.search(text) is not None


@lru_cache(maxsize=65536)
def to_latin(text: str) -> str:
    """Text in any script as lowercase Latin ASCII (punctuation and spacing kept as written)."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TRANSLATE)
    if not text.isascii():
        text = str(_transliterator().transliterate(text))
        # ICU leaves marks it cannot place (ʿ, ʾ, …): keep ASCII only.
        text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower()


def latin_letters(text: str) -> str:
    """Lowercase ASCII letters of one word, everything else removed."""
    return _NON_LETTER.sub("", to_latin(text))


@lru_cache(maxsize=65536)
def word_key(text: str) -> tuple[str, bool]:
    """The look-up key of one word and whether it was written in Arabic script: Latin letters,
    with ع kept as AIN in Arabic-script words."""
    if text.isascii() or not has_arabic(text):
        return latin_letters(text), False
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE_KEY)
    if not text.isascii():
        text = str(_transliterator().transliterate(text))
    return _NOT_KEY.sub("", text.lower()), True


def plain(key: str) -> str:
    """A look-up key as Latin letters (AIN read as the vowel a)."""
    return key.replace(AIN, "a") if AIN in key else key


# -- skeleton --------------------------------------------------------------------------------
# One written Urdu letter may be several Latin letters: these digraphs are one unit each.
_DIGRAPHS = ("sh", "kh", "ch", "zh", "gh", "ph")
# Consonant equivalences (each is a spelling difference seen in Pakistani records):
#   q → k  (Qadir/Kadir, ق/ک)      v → w  (Javed/Jawed, و)       ph → f (Phool/Fool, پھ)
#   gh → g (Ghulam/Gulam)          c → k  unless in "ch"          x → ks
# Kept apart on purpose: kh (Khan, خ) from k, sh from s, ch from j, z from j, and aspirated
# consonants (bh, dh, th): Latin spellings keep them reliably.
_UNIT_MAP = {"q": "k", "v": "w", "ph": "f", "gh": "g", "c": "k", "x": "ks"}
# After the first letter a, e, i, o, u and the half-vowels w and y are dropped: Urdu writes و
# and ی for long vowels (یوسف → ywsf) and omits short ones, so only consonants are comparable.
_VOWELS = frozenset("aeiouwy")


def _units(word: str) -> list[str]:
    units: list[str] = []
    i = 0
    n = len(word)
    while i < n:
        pair = word[i : i + 2]
        if len(pair) == 2 and pair in _DIGRAPHS:
            units.append(pair)
            i += 2
        else:
            units.append(word[i])
            i += 1
    return units


@lru_cache(maxsize=65536)
def word_skeleton(word: str) -> str:
    """Consonant skeleton of one word of lowercase ASCII letters ("yousaf" → "ysf")."""
    if not word:
        return ""
    units = [_UNIT_MAP.get(u, u) for u in _units(word)]
    first = units[0]
    # An initial vowel, or ع rendered as a, is one sound "a" (Usman, Osman, عثمان → asmn).
    head = "a" if first in "aeiou" else first
    rest = [u for u in units[1:] if not (len(u) == 1 and u in _VOWELS)]
    # A final h is the written form of a final vowel in Urdu (فاطمہ, Fatima) and is often
    # added or dropped in Latin (Abdullah/Abdulla): it is not compared.
    while rest and rest[-1] == "h":
        rest.pop()
    out = [head]
    for unit in rest:
        if unit != out[-1]:
            out.append(unit)
    return "".join(out)


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """Vowel-insensitive consonant skeleton of text in any script, words in written order.

    "Muhammad Yousaf" and "محمد یوسف" both give "mhmd ysf".
    """
    words = (latin_letters(w) for w in re.split(r"[\s\-_/.,;:()]+", text))
    return " ".join(s for s in (word_skeleton(w) for w in words if w) if s)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A light spelling fold of one Latin word: ee → i, oo → u, doubled letters once, no final h.

    Catches spellings the name data does not list (Mohammed → mohamed) without merging names
    that differ in their consonants; used as a second look-up key for name families.
    """
    word = word.replace("ee", "i").replace("oo", "u")
    out: list[str] = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    if len(out) > 3 and out[-1] == "h" and out[-2] in "aeiou":
        out.pop()
    return "".join(out)


def has_vowel(word: str) -> bool:
    return any(ch in "aeiou" for ch in word)
