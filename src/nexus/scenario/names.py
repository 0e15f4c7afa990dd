"""Owns the name bank: plausible given, family and father names, titles and company names by region,
with their Urdu-script forms, Latin spelling families and abbreviations (data in data/names.yml).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Generic, Literal, TypeVar

import yaml

from nexus.exceptions import ConfigError
from nexus.scenario.gazetteer import ascii_fold
from nexus.scenario.model import Place, Sex

DATA_FILE = "names.yml"
Relation = Literal["son", "daughter", "wife"]
RELATIONS: tuple[Relation, ...] = ("son", "daughter", "wife")
PLACEHOLDERS = ("{brand}", "{area}")
_PUNCTUATION = "().,;:"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Weighted(Generic[T]):
    """Values with relative weights; `pick` draws one from the given generator only."""

    values: tuple[T, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[T, float]], where: str) -> Weighted[T]:
        values: list[T] = []
        cumulative: list[float] = []
        total = 0.0
        for value, weight in pairs:
            if not weight > 0:
                raise ConfigError(f"{DATA_FILE}: {where}: weight of {value!r} must be positive")
            total += weight
            values.append(value)
            cumulative.append(total)
        if not values:
            raise ConfigError(f"{DATA_FILE}: {where} is empty")
        return cls(tuple(values), tuple(cumulative))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


@dataclass(frozen=True, slots=True)
class _Region:
    male: Weighted[str]
    female: Weighted[str]
    family: Weighted[str]
    no_family_rate: float
    male_prefix: str
    male_prefix_rate: float
    female_prefix: Weighted[str]
    female_prefix_rate: float
    female_suffix: Weighted[str]
    female_suffix_rate: float


@dataclass(frozen=True, slots=True)
class _CompanyKind:
    templates: Weighted[str]
    forms: Weighted[tuple[str, str]]  # (suffix written after the name, legal form)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


class NameBank:
    """Draws names for synthetic people and organisations; renders Latin names in Urdu script."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._urdu = {_key(k): str(v) for k, v in _text_mapping(data, "urdu").items()}
        self._families = _spelling_families(data)
        self._phrase_len = max(len(k.split()) for k in [*self._urdu, *self._families] if k)
        self._translit = _transliteration(_section(data, "transliteration"))
        pools = {sex: _pools(data, sex) for sex in ("male", "female", "family")}
        regions = _section(data, "regions")
        self._regions = {
            str(name): _region(str(name), _section(regions, name), pools) for name in regions
        }
        self.regions: tuple[str, ...] = tuple(self._regions)
        self._place_regions = _section(data, "place_regions")
        self._check_place_regions()
        titles = _section(data, "titles")
        self._title_none_rate = _rate(titles, "none_rate", "titles")
        self._titles = _weighted(titles, "names", "titles.names")
        self._father_title_rate = _rate(data, "father_title_rate", "father_title_rate")
        patronymic = _section(data, "patronymic")
        self._connectors = {r: _weighted(patronymic, r, f"patronymic.{r}") for r in RELATIONS}
        urdu_connectors = _section(patronymic, "urdu")
        self._urdu_connectors = {r: str(urdu_connectors[r]) for r in RELATIONS}
        companies = _section(data, "companies")
        self._brands = _weighted(companies, "brands", "companies.brands")
        self._areas = _weighted(companies, "areas", "companies.areas")
        kinds = _section(companies, "kinds")
        self._companies = {str(k): _company_kind(str(k), _section(kinds, k)) for k in kinds}
        self.company_kinds: tuple[str, ...] = tuple(self._companies)
        self._country_forms: dict[str, tuple[frozenset[str], Weighted[tuple[str, str]]]] = {}
        country_forms = _section(companies, "country_forms")
        for country in country_forms:
            spec = _section(country_forms, country)
            self._country_forms[str(country).lower()] = (
                frozenset(str(k) for k in spec.get("kinds", [])),
                _forms(spec.get("forms"), f"companies.country_forms.{country}"),
            )
        self.legal_form_variants: tuple[tuple[tuple[str, ...], bool], ...] = tuple(
            (tuple(str(f) for f in entry["forms"]), bool(entry.get("droppable", True)))
            for entry in data.get("legal_form_variants", [])
        )
        self._abbreviations = {
            _key(str(k)): tuple(str(a) for a in v)
            for k, v in _section(data, "abbreviations").items()
        }
        self._check_urdu_coverage()

    # --- people ---------------------------------------------------------------------------

    def given_name(self, rng: random.Random, sex: Sex, region: str) -> str:
        """A given name, e.g. "Muhammad Yousaf", "Abdul Rehman", "Bibi Zainab", "Naseem Akhtar"."""
        spec = self._region(region)
        if sex == "male":
            name = spec.male.pick(rng)
            prefixed = rng.random() < spec.male_prefix_rate
            if prefixed and " " not in name and not self._same(name, spec.male_prefix):
                name = f"{spec.male_prefix} {name}"
            return name
        if sex != "female":
            raise ValueError(f"sex must be 'male' or 'female', not {sex!r}")
        name = spec.female.pick(rng)
        roll = rng.random()
        if any(self._same(token, "Bibi") for token in name.split()):
            return name
        if roll < spec.female_prefix_rate:
            return f"{spec.female_prefix.pick(rng)} {name}"
        if roll < spec.female_prefix_rate + spec.female_suffix_rate:
            suffix = spec.female_suffix.pick(rng)
            if not any(self._same(suffix, token) for token in name.split()):
                return f"{name} {suffix}"
        return name

    def family_name(self, rng: random.Random, region: str) -> str | None:
        """A surname, caste or tribal name ("Khan", "Achakzai", "Butt"), or None for none."""
        spec = self._region(region)
        return None if rng.random() < spec.no_family_rate else spec.family.pick(rng)

    def father_name(self, rng: random.Random, region: str) -> str:
        """A man's full name for the "s/o" part, now and then with a title ("Haji Gul Muhammad")."""
        given = self.given_name(rng, "male", region)
        family = self.family_name(rng, region)
        title = self._titles.pick(rng) if rng.random() < self._father_title_rate else None
        return " ".join(part for part in (title, given, family) if part)

    def title(self, rng: random.Random) -> str | None:
        """An honorific (Haji, Malik, Sardar, Syed, Ch., …); mostly None."""
        return None if rng.random() < self._title_none_rate else self._titles.pick(rng)

    def region_of(self, place: Place | None) -> str:
        """The name region that suits someone living at this place (province, else country)."""
        if place is not None:
            by_province = _section(self._place_regions, "provinces")
            by_country = _section(self._place_regions, "countries")
            if place.province is not None and place.province in by_province:
                return str(by_province[place.province])
            if place.country in by_country:
                return str(by_country[place.country])
        return str(self._place_regions["default"])

    def patronymic_connector(
        self, rng: random.Random, relation: Relation, urdu: bool = False
    ) -> str:
        """How a record writes "son of" / "daughter of" / "wife of" (s/o, S/O, walad, ولد, …)."""
        if relation not in self._connectors:
            raise ValueError(f"relation must be one of {', '.join(RELATIONS)}, not {relation!r}")
        return self._urdu_connectors[relation] if urdu else self._connectors[relation].pick(rng)

    # --- organisations --------------------------------------------------------------------

    def company_name(
        self, rng: random.Random, kind: str, place: Place | None = None
    ) -> tuple[str, str]:
        """(canonical name including its legal form, legal form), e.g. ("Makran Fisheries (Pvt)
        Ltd", "(Pvt) Ltd"), ("Al-Madina Exchange Company", "Exchange Company").
        """
        spec = self._companies.get(kind)
        if spec is None:
            raise ValueError(
                f"unknown company kind {kind!r}; expected one of {', '.join(self.company_kinds)}"
            )
        template = spec.templates.pick(rng)
        forms = spec.forms
        if place is not None and place.country in self._country_forms:
            kinds, country_forms = self._country_forms[place.country]
            if kind in kinds:
                forms = country_forms
        suffix, form = forms.pick(rng)
        brand = self._brands.pick(rng)
        area = place.name.split(",")[0] if place is not None else self._areas.pick(rng)
        name = template.replace("{brand}", brand).replace("{area}", area)
        return (f"{name} {suffix}" if suffix else name), form

    # --- spelling and script --------------------------------------------------------------

    def units(self, text: str) -> list[str]:
        """Split a name into words, keeping known multi-word names together ("Abdul Rehman")."""
        tokens = text.split()
        units: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._phrase_len, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + size])
                key = _key(phrase)
                if size == 1 or key in self._urdu or key in self._families:
                    units.append(phrase)
                    i += size
                    break
        return units

    def spelling_family(self, word: str) -> tuple[str, ...]:
        """All Latin spellings of this word or phrase (its own included); () if it has none."""
        return self._families.get(_key(word), ())

    def abbreviations(self, word: str) -> tuple[str, ...]:
        """Shortenings clerks use for this word (Muhammad -> M., Mohd., Md.), any spelling."""
        for candidate in (word, *self.spelling_family(word)):
            found = self._abbreviations.get(_key(candidate))
            if found:
                return found
        return ()

    def to_urdu(self, latin: str) -> str:
        """The name in Urdu (Perso-Arabic) script, word by word from the data file; words it
        does not know (e.g. a place inside a company name) are transliterated letter by letter.
        """
        out: list[str] = []
        for unit in self.units(latin):
            rendered = self._unit_urdu(unit)
            if rendered is None:
                rendered = self._transliterate(unit)
            if rendered:
                out.append(rendered)
        return " ".join(out)

    def has_urdu(self, latin: str) -> bool:
        """True when every word of this text has an Urdu form in the data (no transliteration)."""
        return all(self._unit_urdu(unit) is not None for unit in self.units(latin))

    # --- internals ------------------------------------------------------------------------

    def _region(self, region: str) -> _Region:
        try:
            return self._regions[region]
        except KeyError:
            raise ValueError(
                f"unknown name region {region!r}; expected one of {', '.join(self.regions)}"
            ) from None

    def _same(self, a: str, b: str) -> bool:
        family = self.spelling_family(a)
        return _key(a) == _key(b) or _key(b) in {_key(m) for m in family}

    def _unit_urdu(self, unit: str) -> str | None:
        exact = self._lookup(unit)  # "Ch." is a word of its own
        if exact is not None:
            return exact
        core = unit.strip(_PUNCTUATION)
        if not core:
            return ""
        form = self._lookup(core)
        if form is None:
            for candidate in (core, *self.spelling_family(core)):
                parts = candidate.split()
                if len(parts) > 1:
                    forms = [self._lookup(part) for part in parts]
                    if all(f is not None for f in forms):
                        form = " ".join(f for f in forms if f is not None)
                        break
        if form is None:
            return None
        opening = "(" if unit.startswith("(") else ""
        closing = ")" if unit.rstrip(".,;:").endswith(")") else ""
        return f"{opening}{form}{closing}"

    def _lookup(self, word: str) -> str | None:
        for candidate in (word, *self.spelling_family(word)):
            found = self._urdu.get(_key(candidate))
            if found is not None:
                return found
        return None

    def _transliterate(self, word: str) -> str:
        pieces = []
        for segment in "".join(ch if ch.isalnum() else " " for ch in ascii_fold(word)).split():
            pieces.append(self._transliterate_segment(segment.lower()))
        return "".join(pieces)

    def _transliterate_segment(self, segment: str) -> str:
        vowels = "aeiou"
        collapsed = "".join(
            ch for i, ch in enumerate(segment) if i == 0 or ch != segment[i - 1] or ch in vowels
        )
        out: list[str] = []
        i = 0
        while i < len(collapsed):
            for size in (2, 1):
                grapheme = collapsed[i : i + size]
                if len(grapheme) == size and grapheme in self._translit:
                    initial, medial, final = self._translit[grapheme]
                    if i == 0:
                        out.append(initial)
                    elif i + size == len(collapsed):
                        out.append(final)
                    else:
                        out.append(medial)
                    i += size
                    break
            else:
                i += 1  # a character the table does not know is left out
        return "".join(out)

    def _check_place_regions(self) -> None:
        targets = [
            *_section(self._place_regions, "provinces").values(),
            *_section(self._place_regions, "countries").values(),
            self._place_regions.get("default"),
        ]
        unknown = sorted({str(t) for t in targets if t not in self._regions})
        if unknown:
            raise ConfigError(f"{DATA_FILE}: place_regions names unknown regions: {unknown}")

    def _check_urdu_coverage(self) -> None:
        texts: list[str] = [*self._titles.values, *self._brands.values, *self._areas.values]
        for spec in self._regions.values():
            texts += [*spec.male.values, *spec.female.values, *spec.family.values]
            texts += [spec.male_prefix, *spec.female_prefix.values, *spec.female_suffix.values]
        for kind in self._companies.values():
            for template in kind.templates.values:
                for placeholder in PLACEHOLDERS:
                    template = template.replace(placeholder, "")
                texts.append(template)
            texts += [suffix for suffix, _ in kind.forms.values]
        for _, forms in self._country_forms.values():
            texts += [suffix for suffix, _ in forms.values]
        missing = sorted(
            {unit for text in texts for unit in self.units(text) if self._unit_urdu(unit) is None}
        )
        if missing:
            raise ConfigError(
                f"{DATA_FILE}: these words have no Urdu form under `urdu` (add them): "
                f"{', '.join(missing)}"
            )


@functools.cache
def load_names() -> NameBank:
    """The name bank from data/names.yml (read once per process)."""
    text = resources.files("nexus.scenario").joinpath("data", DATA_FILE).read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{DATA_FILE} must hold a mapping")
    return NameBank(data)


# --- parsing the data file ------------------------------------------------------------------


def _section(data: Mapping[Any, Any], key: Any) -> Mapping[Any, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{DATA_FILE}: {key!s} must be a mapping")
    return value


def _rate(data: Mapping[Any, Any], key: str, where: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{DATA_FILE}: {where} must be a number between 0 and 1")
    return float(value)


def _text_mapping(data: Mapping[Any, Any], key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in _section(data, key).items():
        if not isinstance(name, str) or not isinstance(value, str):
            # YAML reads a bare `No` or `On` as a boolean: quote such keys
            raise ConfigError(f"{DATA_FILE}: {key}: {name!r}: {value!r} must be text (quote it)")
        out[name] = value
    return out


def _weighted(data: Mapping[Any, Any], key: str, where: str) -> Weighted[str]:
    section = _section(data, key)
    pairs = []
    for name, weight in section.items():
        if not isinstance(name, str) or not isinstance(weight, int | float):
            raise ConfigError(f"{DATA_FILE}: {where}: {name!r} needs a numeric weight")
        pairs.append((name, float(weight)))
    return Weighted.of(pairs, where)


def _pools(data: Mapping[str, Any], section: str) -> dict[str, dict[str, float]]:
    pools: dict[str, dict[str, float]] = {}
    for pool, names in _section(data, section).items():
        weighted = _weighted({pool: names}, pool, f"{section}.{pool}")
        previous = 0.0
        pools[str(pool)] = {}
        for value, cumulative in zip(weighted.values, weighted.cum_weights, strict=True):
            pools[str(pool)][value] = cumulative - previous
            previous = cumulative
    return pools


def _mix(spec: Mapping[Any, Any], pools: dict[str, dict[str, float]], where: str) -> Weighted[str]:
    """Flatten a region's pool weights into one distribution over names."""
    mixed: dict[str, float] = {}
    for pool, share in spec.items():
        if pool not in pools:
            raise ConfigError(f"{DATA_FILE}: {where} names unknown pool {pool!r}")
        if not isinstance(share, int | float) or share <= 0:
            raise ConfigError(f"{DATA_FILE}: {where}.{pool} must be a positive weight")
        total = sum(pools[pool].values())
        for name, weight in pools[pool].items():
            mixed[name] = mixed.get(name, 0.0) + float(share) * weight / total
    return Weighted.of(mixed.items(), where)


def _region(
    name: str, spec: Mapping[Any, Any], pools: dict[str, dict[str, dict[str, float]]]
) -> _Region:
    where = f"regions.{name}"
    male_prefix = _section(spec, "male_prefix")
    female_prefix = _section(spec, "female_prefix")
    female_suffix = _section(spec, "female_suffix")
    return _Region(
        male=_mix(_section(spec, "male"), pools["male"], f"{where}.male"),
        female=_mix(_section(spec, "female"), pools["female"], f"{where}.female"),
        family=_mix(_section(spec, "family"), pools["family"], f"{where}.family"),
        no_family_rate=_rate(spec, "no_family_rate", f"{where}.no_family_rate"),
        male_prefix=str(male_prefix.get("name", "")),
        male_prefix_rate=_rate(male_prefix, "rate", f"{where}.male_prefix.rate"),
        female_prefix=_weighted(female_prefix, "names", f"{where}.female_prefix.names"),
        female_prefix_rate=_rate(female_prefix, "rate", f"{where}.female_prefix.rate"),
        female_suffix=_weighted(female_suffix, "names", f"{where}.female_suffix.names"),
        female_suffix_rate=_rate(female_suffix, "rate", f"{where}.female_suffix.rate"),
    )


def _forms(value: Any, where: str) -> Weighted[tuple[str, str]]:
    if not isinstance(value, list):
        raise ConfigError(f"{DATA_FILE}: {where}.forms must be a list of [suffix, form, weight]")
    pairs = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 3):
            raise ConfigError(
                f"{DATA_FILE}: {where}.forms: {entry!r} is not [suffix, form, weight]"
            )
        pairs.append(((str(entry[0]), str(entry[1])), float(entry[2])))
    return Weighted.of(pairs, f"{where}.forms")


def _company_kind(kind: str, spec: Mapping[Any, Any]) -> _CompanyKind:
    where = f"companies.kinds.{kind}"
    return _CompanyKind(
        templates=_weighted(spec, "templates", f"{where}.templates"),
        forms=_forms(spec.get("forms"), where),
    )


def _spelling_families(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    families: dict[str, tuple[str, ...]] = {}
    for entry in data.get("spellings", []):
        members = tuple(str(m) for m in entry)
        for member in members:
            key = _key(member)
            if key in families:
                raise ConfigError(
                    f"{DATA_FILE}: spellings: {member!r} is in two families "
                    f"({families[key][0]} and {members[0]}); merge them"
                )
            families[key] = members
    return families


def _transliteration(table: Mapping[Any, Any]) -> dict[str, tuple[str, str, str]]:
    out: dict[str, tuple[str, str, str]] = {}
    for grapheme, value in table.items():
        if isinstance(value, Mapping):
            out[str(grapheme)] = (
                str(value["initial"]),
                str(value["medial"]),
                str(value["final"]),
            )
        else:
            out[str(grapheme)] = (str(value), str(value), str(value))
    return out
