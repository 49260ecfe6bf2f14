"""The commented config.toml ``tui-chat config init`` writes: every key at its default, with its docstring.

Apart because it reads the dataclasses' source (one description per setting) rather than any file.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools

from tui_chat.config.paths import SETTINGS_NAME
from tui_chat.config.sections import SECTIONS, Config


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each field of a settings dataclass (one description per setting)."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for current, following in itertools.pairwise(body):
        if (
            isinstance(current, ast.AnnAssign)
            and isinstance(current.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[current.target.id] = " ".join(following.value.value.split()).replace("``", "`")
    return docs


def config_template() -> str:
    """The commented config.toml ``config init`` writes: every key, commented out, at its default."""
    import textwrap

    import tomli_w

    lines = [
        "# tui-chat configuration. Every key is optional: uncomment a line to change it.",
        "# The values shown are the defaults. What you change in the app (theme, model, settings)",
        f"# is kept in {SETTINGS_NAME} in the data dir, layered over this file (see: tui-chat config show).",
    ]
    defaults = Config()
    for name, cls in SECTIONS.items():
        lines += ["", f"[{name}]"]
        docs = field_docs(cls)
        values = dataclasses.asdict(getattr(defaults, name))
        for key, value in values.items():
            if key in docs:
                lines += textwrap.wrap(docs[key], 100, initial_indent="# ", subsequent_indent="# ")
            if name == "model" and key == "name":
                value = "gpt-4o-mini"  # not $DEFAULT_MODEL: the template is the same for everyone
                lines.append("# (empty here: $DEFAULT_MODEL, else gpt-4o-mini)")
            lines += ["# " + line for line in tomli_w.dumps({key: value}).strip().splitlines()]
    return "\n".join(lines) + "\n"
