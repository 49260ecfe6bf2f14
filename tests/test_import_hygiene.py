"""Importing the package stays cheap, and importing litellm our way stays offline and silent.

Both run in a fresh interpreter: this test process has long since imported litellm.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import tui_chat.engine
from tui_chat.engine.provider.litellm_import import OFFLINE_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("litellm", "textual", "openai")


def run_python(
    code: str, *, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_package_and_engine_modules_import_neither_litellm_nor_textual(tmp_path: Path) -> None:
    engine_modules = sorted(
        info.name for info in pkgutil.walk_packages(tui_chat.engine.__path__, prefix="tui_chat.engine.")
    )
    assert {"tui_chat.engine.provider.client", "tui_chat.engine.provider.tool_calls"} <= set(engine_modules)
    modules = ["tui_chat", "tui_chat.config", *engine_modules]
    code = f"""
        import importlib, json, sys
        heavy = {HEAVY!r}
        report = {{}}
        for name in {modules!r}:
            importlib.import_module(name)
            report[name] = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
        print(json.dumps(report))
    """
    completed = run_python(code, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    offenders = {name: loaded for name, loaded in report.items() if loaded}
    assert offenders == {}, f"importing these pulled in heavy modules: {offenders}"
    assert set(report) == set(modules)


def test_import_litellm_is_offline_quiet_and_ignores_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TUI_CHAT_DOTENV_PROBE=loaded\n", encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if name not in OFFLINE_ENVIRONMENT}
    env["HF_HUB_OFFLINE"] = "0"
    code = """
        import asyncio, json, logging, os, threading
        from tui_chat.engine.provider.litellm_import import import_litellm, is_imported

        assert not is_imported()
        modules = []
        threads = [threading.Thread(target=lambda: modules.append(import_litellm())) for _ in range(3)]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        litellm = import_litellm()
        assert all(module is litellm for module in modules) and is_imported()

        async def failing_call():
            try:
                await litellm.acompletion(model="openai/x", messages=[{"role": "user", "content": "hi"}],
                    api_base="http://127.0.0.1:9/v1", api_key="k", max_retries=0, timeout=2)
            except Exception as exc:
                return type(exc).__name__
        error = asyncio.run(failing_call())
        logger = logging.getLogger("LiteLLM")
        print(json.dumps({
            "env": {name: os.environ.get(name) for name in
                    ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_OFFLINE_MODE", "LITELLM_MODE", "LITELLM_LOG",
                     "HF_HUB_OFFLINE", "TUI_CHAT_DOTENV_PROBE")},
            "suppress_debug_info": litellm.suppress_debug_info,
            "propagate": logger.propagate,
            "stream_handlers": [h for h in map(repr, logger.handlers) if "StreamHandler" in h],
            "error": error,
            "threads": sorted(t.name for t in threading.enumerate() if "cost-map" in t.name),
        }))
    """
    completed = run_python(code, cwd=tmp_path, env=env)
    assert completed.returncode == 0, completed.stderr
    *noise, last = completed.stdout.strip().splitlines()
    report = json.loads(last)
    assert noise == [], "litellm printed to stdout"
    assert completed.stderr == "", "litellm wrote to stderr"
    assert report["env"] == {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_OFFLINE_MODE": "true",
        "LITELLM_MODE": "PRODUCTION",
        "LITELLM_LOG": "ERROR",
        "HF_HUB_OFFLINE": "0",  # set by the user: kept
        "TUI_CHAT_DOTENV_PROBE": None,  # the stray .env was not loaded
    }
    assert report["suppress_debug_info"] is True
    assert report["propagate"] is False and report["stream_handlers"] == []
    assert report["error"] == "InternalServerError"  # connection refused, as litellm reports it
    assert report["threads"] == []  # no background cost-map download
