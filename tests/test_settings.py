"""The home's settings file: an unknown key is a one-line error with file, line and suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.exceptions import ConfigError
from nexus.settings import load_settings


def test_unknown_setting_names_file_line_key_and_suggestion(tmp_path: Path) -> None:
    (tmp_path / "nexus.yml").write_text("default_country: pk\ndefualt_country: in\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(home=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "nexus.yml") in message
    assert "line 2" in message
    assert "`defualt_country`" in message
    assert "did you mean `default_country`?" in message
    assert "\n" not in message


def test_known_settings_load(tmp_path: Path) -> None:
    (tmp_path / "nexus.yml").write_text("default_country: in\n")
    assert load_settings(home=tmp_path).default_country == "in"


def test_web_settings_come_as_one_block_and_refuse_unknown_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXUS_WEB", '{"lockout_attempts": 3}')
    web = load_settings(home=tmp_path).web
    assert (web.lockout_attempts, web.session_idle_minutes, web.min_password_length) == (3, 30, 12)
    monkeypatch.setenv("NEXUS_WEB", '{"lockout_attemps": 3}')
    with pytest.raises(ConfigError, match="lockout_attemps"):
        load_settings(home=tmp_path)
