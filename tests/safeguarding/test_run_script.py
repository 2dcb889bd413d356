"""`make run` (scripts/run.py): bad settings stop it with a clear message before anything is
started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "value"), [("DEMO", "maybe"), ("PORT", "eighty")])
def test_a_bad_setting_is_refused_before_anything_starts(name: str, value: str) -> None:
    env = {**os.environ, name: value, "DATABASE_URL": "", "REDIS_URL": ""}
    result = subprocess.run(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {name} must be")
    assert repr(value) in result.stderr
