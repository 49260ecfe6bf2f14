"""The README's two commands, as written: `python3 .ci/readme_commands.py test` prints the test command.

.ci/run runs what this prints, so CI runs exactly the text a newcomer copies; tests/test_readme.py checks
both commands' shape. Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

# Each command is the first ```sh block after the line that introduces it.
INTRODUCTIONS = {"app": "Set up and run the app", "test": "Set up and run the tests"}


def readme_command(name: str, readme: str | None = None) -> str:
    """The one-line shell command that the README introduces with ``INTRODUCTIONS[name]``."""
    text = README.read_text(encoding="utf-8") if readme is None else readme
    introduction = INTRODUCTIONS[name]
    match = re.search(rf"^{re.escape(introduction)}.*?^```sh\n(.*?)^```$", text, re.S | re.M)
    if match is None:
        raise LookupError(f"README.md has no ```sh block after a line starting {introduction!r}")
    lines = [line for line in match.group(1).splitlines() if line.strip()]
    if len(lines) != 1:
        raise LookupError(f"the README's {name} command must be one line, not {len(lines)}")
    return lines[0]


if __name__ == "__main__":
    print(readme_command(sys.argv[1]))
