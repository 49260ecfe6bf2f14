"""The conversation ids the store takes: one rule for file names, paths and trash tokens.

Apart because the reading, the refresh and the trash all check names against it.
"""

from __future__ import annotations

import re

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
