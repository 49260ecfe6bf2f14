"""Import litellm once, offline-safe and quiet.

``import litellm`` costs ~3 s of CPU, so nothing imports it at module level: the provider calls
:func:`import_litellm` when it first needs it, and the UI may call it early from a background worker to
pre-warm. Before the import we set (without overriding the user's choice) the environment that keeps
litellm from touching the network or the terminal:

* ``LITELLM_LOCAL_MODEL_COST_MAP`` / ``LITELLM_OFFLINE_MODE`` – no cost-map download at import (a 5–17 s
  hang on a bad network) and no HuggingFace tokenizer download during calls (a 23 s event-loop stall);
* ``LITELLM_MODE=PRODUCTION`` – no stray ``.env`` file loaded into ``os.environ``;
* ``LITELLM_LOG=ERROR`` and ``HF_HUB_OFFLINE=1``.

After the import, ``suppress_debug_info`` stops the "Give Feedback / Get Help" prints on stdout, and the
``LiteLLM`` loggers lose their stderr handlers and stop propagating, so nothing scribbles over a TUI.
"""

from __future__ import annotations

import logging
import os
import threading
from types import ModuleType

OFFLINE_ENVIRONMENT: dict[str, str] = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_OFFLINE_MODE": "true",
    "LITELLM_MODE": "PRODUCTION",
    "LITELLM_LOG": "ERROR",
    "HF_HUB_OFFLINE": "1",
}

_LOGGER_NAMES = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm")

_lock = threading.Lock()
_module: ModuleType | None = None


def prepare_environment() -> None:
    """Set the offline / quiet environment variables unless the user already set them."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def quiet_loggers() -> None:
    """Keep litellm's log lines off stderr and out of the root logger (they would tear a TUI)."""
    for name in _LOGGER_NAMES:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        logger.setLevel(logging.ERROR)


def import_litellm() -> ModuleType:
    """Return the ``litellm`` module, importing and configuring it on the first call (thread-safe)."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            prepare_environment()
            import litellm

            litellm.suppress_debug_info = True
            quiet_loggers()
            _module = litellm
    return _module


def is_imported() -> bool:
    """Whether :func:`import_litellm` has finished (the UI shows "loading…" until then)."""
    return _module is not None
