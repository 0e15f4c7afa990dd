"""The one settings object: every setting with its default and help, read once at start-up.

Values come from `NEXUS_*` environment variables, then an optional `nexus.yml` in the home folder.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nexus.exceptions import ConfigError

CaveatKind = Literal["releasability", "originator", "compartment", "domestic"]


class CaveatRule(BaseModel):
    """How one family of caveat markings restricts who may see a statement."""

    pattern: str = Field(
        description="A marking (`AGENCY-ONLY`) or a prefix ending in `*` (`REL:*`)."
    )
    kind: CaveatKind = Field(
        description=(
            "releasability: partners see it only if released to them (`REL:UNODC`); "
            "originator: only the originating agency; compartment: only holders of the compartment "
            "named after the prefix; domestic: never shown to partners."
        )
    )
    description: str = ""

    def matches(self, caveat: str) -> bool:
        if self.pattern.endswith("*"):
            return caveat.startswith(self.pattern[:-1]) and len(caveat) > len(self.pattern) - 1
        return caveat == self.pattern

    def argument(self, caveat: str) -> str:
        """The part a prefix rule leaves over: `UNODC` in `REL:UNODC`; empty for exact rules."""
        return caveat[len(self.pattern) - 1 :] if self.pattern.endswith("*") else ""


DEFAULT_CAVEATS = [
    CaveatRule(
        pattern="REL:*", kind="releasability", description="Releasable to the named partner."
    ),
    CaveatRule(pattern="AGENCY-ONLY", kind="originator", description="Originating agency only."),
    CaveatRule(pattern="COMP:*", kind="compartment", description="Named compartment only."),
    CaveatRule(pattern="NOFORN", kind="domestic", description="Not releasable to any partner."),
]


class Settings(BaseSettings):
    """Nexus configuration. Field descriptions are the documentation (see docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="NEXUS_", extra="forbid")

    home: Path = Field(
        default=Path("nexus-data"),
        description="Folder for the embedded database, caches and `nexus.yml`.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the statement store; empty means SQLite at `<home>/nexus.sqlite`. "
            "Use `postgresql+psycopg://user@host/db` for multi-user deployments."
        ),
    )
    classification_levels: list[str] = Field(
        default=["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"],
        description="Classification levels, lowest first.",
    )
    caveats: list[CaveatRule] = Field(
        default=DEFAULT_CAVEATS,
        description="Caveat markings and how each restricts access; unknown markings are refused.",
    )
    default_country: str = Field(
        default="pk",
        description="Country assumed for national-format phone numbers when a mapping names none.",
    )
    admin_user: str = Field(
        default="admin",
        description="The viewer that `nexus init` creates and commands act as without `--as`.",
    )
    admin_agency: str = Field(
        default="NEXUS",
        description="Agency of the administrator created by `nexus init`.",
    )
    batch_size: int = Field(
        default=20_000, ge=100, description="Statements written to the store per batch."
    )
    screening_lists: list[str] = Field(
        default=["un_sc_sanctions", "ctd_fourth_schedule", "ctd_proscribed"],
        description=(
            "Datasets whose people and organisations are list entries for screening (the UN "
            "list and CTD's Fourth Schedule and proscribed organisations as their mappings name "
            "them)."
        ),
    )
    screening_topics: list[str] = Field(
        default=["sanction", "sanction.linked", "crime.terror", "wanted"],
        description=(
            "FtM topics that make an entity of any dataset a list entry (OpenSanctions exports "
            "carry them; the UN list import sets `sanction`)."
        ),
    )
    screening_threshold: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Score from which a screening hit is reported and raised as an alert.",
    )
    screening_candidates: int = Field(
        default=20,
        ge=1,
        description="List entries each screened name is compared with, the best by shared words.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _HomeFileSource(settings_cls, init_settings))

    @field_validator("classification_levels")
    @classmethod
    def _levels_are_distinct(cls, levels: list[str]) -> list[str]:
        if not levels or len(set(levels)) != len(levels):
            raise ValueError("classification levels must be a non-empty list of distinct names")
        return levels

    @model_validator(mode="after")
    def _default_country_is_iso(self) -> Settings:
        if len(self.default_country) != 2:
            raise ValueError("default_country must be a two-letter country code")
        self.default_country = self.default_country.lower()
        return self

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'nexus.sqlite').resolve()}"

    @cached_property
    def level_rank(self) -> dict[str, int]:
        return {level: rank for rank, level in enumerate(self.classification_levels)}

    def caveat_rule(self, caveat: str) -> CaveatRule | None:
        for rule in self.caveats:
            if rule.matches(caveat):
                return rule
        return None

    def check_marking(self, classification: str, caveats: frozenset[str]) -> None:
        """Refuse markings the policy cannot interpret: unknown markings must never leak."""
        if classification not in self.level_rank:
            known = ", ".join(self.classification_levels)
            raise ConfigError(f"unknown classification {classification!r} (known: {known})")
        for caveat in caveats:
            if self.caveat_rule(caveat) is None:
                known = ", ".join(rule.pattern for rule in self.caveats)
                raise ConfigError(f"unknown caveat {caveat!r} (known patterns: {known})")


class _HomeFileSource(PydanticBaseSettingsSource):
    """Reads `<home>/nexus.yml`, home taken from the arguments, the environment or the default."""

    def __init__(
        self, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(settings_cls)
        self._init_settings = init_settings

    def _path(self) -> Path:
        home = self._init_settings().get("home") or os.environ.get("NEXUS_HOME") or "nexus-data"
        return Path(home) / "nexus.yml"

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = self._path()
        if not path.exists():
            return {}
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of setting names to values")
        return data


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and `nexus.yml`; `overrides` win (tests, CLI flags)."""
    try:
        return Settings(**overrides)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
