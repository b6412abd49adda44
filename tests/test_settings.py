"""Settings come from the environment, with safe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def settings_value(expr: str, **env: str) -> subprocess.CompletedProcess:
    code = f"import wallboard.settings as s; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_defaults_point_at_voicenter_and_jerusalem():
    result = settings_value(
        "s.TIME_ZONE, s.VOICENTER_LOGIN_TYPE, s.VOICENTER_API_URL, s.VOICENTER_COMET_URL",
        TIME_ZONE="",
        VOICENTER_LOGIN_TYPE="",
        VOICENTER_API_URL="",
        VOICENTER_COMET_URL="",
    )
    assert result.stdout.split() == [
        "Asia/Jerusalem",
        "token",
        "https://api.voicenter.com",
        "https://monitor.voicenter.co.il/Comet/api",
    ]


def test_every_voicenter_url_can_be_overridden():
    result = settings_value("s.VOICENTER_LOGIN_URL", VOICENTER_LOGIN_URL="http://127.0.0.1:9/x")
    assert result.stdout.strip() == "http://127.0.0.1:9/x"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VOICENTER_LOGIN_TYPE", "sms", "VOICENTER_LOGIN_TYPE must be token, account or user"),
        ("TIME_ZONE", "Mars/Olympus", "is not a known time zone"),
    ],
)
def test_a_wrong_setting_is_a_clear_error(name, value, message):
    result = settings_value("1", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_the_project_passes_djangos_checks_and_has_no_missing_migrations():
    call_command("check")
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_database_is_the_one_database_url_names():
    import os

    from django.db import connection

    url = os.environ.get("DATABASE_URL", "").strip()
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.pure
def test_importing_settings_starts_no_redis_and_creates_nothing(tmp_path):
    data_dir = tmp_path / "data"
    result = settings_value(
        "s.REDIS_URL", REDIS_URL="", WALLBOARD_DATA_DIR=str(data_dir), DATABASE_URL=""
    )
    assert result.returncode == 0, result.stderr
    # the embedded server's address is computed, but nothing is started or written
    assert result.stdout.strip().startswith("unix://" + str(data_dir))
    assert not data_dir.exists()
