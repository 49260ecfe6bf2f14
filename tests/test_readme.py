"""The README's headless example runs as written and makes two rounds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_two_round_example_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A two-round tool conversation, headless", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    result = subprocess.run(
        [sys.executable, "-c", code.group(1)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert '[get_weather → {"success":true,"data":{"city":"Madrid","temperature":21}}]' in result.stdout
    assert "It is 21 °C in Madrid." in result.stdout
    assert "rounds sent to the model: 2" in result.stdout
