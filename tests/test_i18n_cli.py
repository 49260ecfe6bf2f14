"""Issue 12 §3 for the CLI and the server: everything ``tui-chat`` prints for people, its argparse help and
argparse's own messages, and the HTTP API's ``error`` texts come from the catalog.

Two kinds of proof. Under the pseudo-language (tests/i18n_pseudo.py) every text looked up comes back
with accented letters, so an ASCII word left in the output is a text that bypassed the catalog: each
output is checked with ``untranslated`` once the data in it (paths, IDs, dates, tool and model names,
option names and metavars) is taken out. With ``language = "es"`` in the config file, real ``tui-chat``
processes (forked from the shared host, tests/cli_host.py) and a real HTTP server answer in Spanish, with
``--json`` field names, API field names and status codes as they were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cli_host import CliHost
from i18n_pseudo import pseudo, pseudo_language, untranslated
from scripted_server import ScriptedServer, error, text, tool_calls

from tui_chat import cli
from tui_chat.cli.language import configured_language, option_values
from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.serve.auth import TOKEN_ENV, TOKEN_FILE, ServeToken, resolve_token
from tui_chat.serve.backend import ChatBackend
from tui_chat.serve.server import bind_warning, describe_token, serve, start_server

TOOLS_MODULE = '''
from tui_chat import tool

@tool
def sumar(a: int, b: int) -> int:
    """Ñ.

    Args:
        a: ñ
        b: ñ
    """
    return a + b


@tool
def romper(a: int) -> int:
    """Ñ.

    Args:
        a: ñ
    """
    raise ValueError("ñ")
'''

DATA_PATTERNS = (
    r"chat-local-[0-9a-z-]+",  # conversation IDs
    r"\bm-[0-9a-f]+",  # message IDs
    r"\bcall_\d+",  # tool call IDs
    r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",  # dates
    r"https?://\S+",  # URLs
    r"(?<![\w/])(?:/[\w.-]+)+/?",  # absolute paths
)
DATA_WORDS = ("tui-chat", "openai/scripted", "sumar", "romper", "ValueError", "integer", "stderr", "pid")
"""Data in the outputs: the program's and the scripted model's names, tool names, an exception's type,
JSON-schema types, and the technical labels kept as they are."""
TYPE_NAMES = ("int", "str")
"""Python type names in argparse's "invalid int value"."""


DAMAGED_ID = "chat-local-20250101-000000-deadbeef"


def config_words() -> set[str]:
    """The keys, section names and default words of the config, as ``config show`` prints them (TOML)."""
    words = {"true", "false"}
    for section, values in Config().to_toml_dict().items():
        words.add(section)
        for key, value in values.items():
            words.add(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    words.update(
                        re.findall(r"[A-Za-z][A-Za-z_'-]*[A-Za-z]", item) + re.findall(r"[A-Za-z]+", item)
                    )
    return words


def leftovers(text: str, *data: str, allowed: Iterable[str] = ()) -> list[str]:
    """``untranslated`` lines of ``text`` once ``data`` (paths, values typed) and IDs/dates are removed."""
    for value in sorted(filter(None, data), key=len, reverse=True):
        text = text.replace(value, "·")
    for pattern in DATA_PATTERNS:
        text = re.sub(pattern, "·", text)
    for word in DATA_WORDS:
        text = text.replace(word, "·")
    return untranslated(text, allowed=allowed)


@pytest.fixture(scope="module", autouse=True)
def cli_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliHost]:
    """Started with the module's first test, so that its ``import litellm`` overlaps with the others."""
    host = CliHost(tmp_path_factory.mktemp("cli-host"))
    yield host
    host.close()


@pytest.fixture
def config_file(tmp_path: Path, scripted_server: ScriptedServer) -> Path:
    tools = tmp_path / "mis_herramientas.py"
    tools.write_text(TOOLS_MODULE, encoding="utf-8")
    path = Path(os.environ["TUI_CHAT_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\ntimeout = 5.0\n'
        f'max_retries = 0\n\n[tools]\nmodules = ["{tools}"]\nexamples = false\n',
        encoding="utf-8",
    )
    return path


def spanish(config: Path) -> Path:
    """``config`` with ``[session] language = "es"``."""
    with config.open("a", encoding="utf-8") as file:
        file.write('\n[session]\nlanguage = "es"\n')
    return config


Main = Callable[..., tuple[int, str, str]]


@pytest.fixture
def main(capsys: pytest.CaptureFixture[str]) -> Main:
    """``tui-chat ARGV...`` in this process (``cli.main``, what the console script runs): (code, out, err)."""

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as caught:
            cli.main(list(argv))
        out, err = capsys.readouterr()
        code = caught.value.code
        return (code if isinstance(code, int) else 0 if code is None else 1), out, err

    return run


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The argv prefix of every command and subcommand (``()`` for ``tui-chat`` itself)."""
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


def parser_words(parser: argparse.ArgumentParser) -> set[str]:
    """Option names, metavars, choices and command names: what ``--help`` shows that is not prose."""
    words = {"tui-chat"}
    for action in parser._actions:
        words.update(option.lstrip("-") for option in action.option_strings)
        for value in (action.dest, action.metavar if isinstance(action.metavar, str) else None):
            if value:
                words.update({value, value.upper()})
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words.add(name)
                words |= parser_words(sub)
        elif action.choices:
            words.update(str(choice) for choice in action.choices)
    return {piece for word in words for piece in [word, *re.split(r"[^A-Za-z_-]+", word)] if piece}


# -- under the pseudo-language: nothing bypasses the catalog ------------------------------------------


def test_the_help_of_every_command_goes_through_the_catalog(main: Main) -> None:
    with pseudo_language():
        parser = cli.build_parser()
        allowed = parser_words(parser)
        commands = list(parsers(parser))
        assert ("tools", "run") in commands and ("config",) in commands
        for command in commands:
            code, out, err = main(*command, "--help")
            assert code == 0 and err == "", command
            assert out.startswith(pseudo("usage: ") + "tui-chat"), out  # argparse's own "usage: "
            assert pseudo("show this help message and exit") in out  # argparse's -h help
            assert leftovers(out, allowed=allowed) == [], command


def test_usage_errors_go_through_the_catalog(main: Main, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    cases = [
        ("show",),  # the following arguments are required
        ("frob",),  # invalid choice
        ("config", "frob"),
        ("list", "--limit", "x"),  # a type's own message
        ("list", "--limit", "0"),
        ("list", "--bogus"),  # unrecognized arguments
        ("ask", "hola", "--model"),  # expected one argument
        ("ask", "-c", "--new", "hola"),  # not allowed with argument
        ("search", "hola", "--limit", "abc"),  # invalid int value
        ("ask",),  # the command's own usage errors
        ("ask", "   "),
        ("ask", "--context", "[1]", "hola"),
        ("search",),
        ("search", "hola", "--limit", "0"),
        ("serve", "--port", "70000"),
        ("serve", "--max-body", "10"),
        ("tools", "log"),
        ("--config", str(empty), "tools", "serve"),
        ("config", "init"),
    ]
    Path(os.environ["TUI_CHAT_CONFIG"]).parent.mkdir(parents=True, exist_ok=True)
    Path(os.environ["TUI_CHAT_CONFIG"]).write_text("", encoding="utf-8")  # `config init` finds it
    with pseudo_language():
        allowed = parser_words(cli.build_parser()) | {
            "frob",
            "bogus",
            "hola",
            "abc",
            "name",
            "Ana",
            *TYPE_NAMES,
        }
        for argv in cases:
            code, out, err = main(*argv)
            assert code == 2 and out == "" and err, argv
            data = [os.environ["TUI_CHAT_CONFIG"], os.environ["TUI_CHAT_DATA_DIR"], str(empty)]
            assert leftovers(err, *data, allowed=allowed) == [], argv


def test_ask_list_search_replay_tools_and_config_go_through_the_catalog(
    main: Main, config_file: Path, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(
        tool_calls([("sumar", '{"a": 1, "b": 2}'), ("romper", '{"a": 1}')]), text("¡ñoño!"), text("ñú")
    )
    data = [str(tmp_path), "ñandú", "ñu"]
    with pseudo_language():
        code, out, err = main("list")
        assert code == 0 and pseudo("No conversations yet") in out and leftovers(out + err, *data) == []

        code, out, err = main("ask", "ñandú")
        assert code == 1 and out == "¡ñoño!\n"
        assert "1 " + pseudo("tool call failed") + ": romper: ValueError: ñ" in err
        assert leftovers(err, *data) == [], err
        assert main("ask", "ñu")[0] == 0

        for argv in (("list",), ("list", "--limit", "1"), ("list", "--query", "zzz")):
            code, out, err = main(*argv)
            assert code == 0 and leftovers(out + err, *data, allowed=["zzz"]) == [], (argv, out, err)
        assert pseudo("6 messages  2 tool calls") in main("list")[1]
        assert pseudo("(1 of 2 shown; ") in main("list", "--limit", "1")[2]

        for argv in (("search", "ñandú"), ("search", "zzz")):
            code, out, err = main(*argv)
            assert code == 0 and leftovers(out + err, *data, allowed=["zzz"]) == [], (argv, out, err)
        assert pseudo("No matches.") in main("search", "zzz")[1]

        for argv in (
            ("tools",),
            ("tools", "run", "sumar", "--args", '{"a": 2, "b": 3}'),
            ("config", "path"),
            ("config", "show"),
            ("--config", str(tmp_path / "nuevo.toml"), "config", "init"),
            ("export", "last", "-o", str(tmp_path / "ñu.md")),
        ):
            code, out, err = main(*argv)
            assert code == 0, (argv, err)
            assert leftovers(out + err, *data, allowed=config_words()) == [], (argv, out, err)


def test_replay_and_a_damaged_conversation_go_through_the_catalog(
    main: Main, config_file: Path, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(tool_calls([("sumar", '{"a": 1, "b": 2}')]), text("ñ"))
    assert main("ask", "ñandú")[0] == 0
    damaged = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "conversations" / f"{DAMAGED_ID}.json"
    with pseudo_language():
        code, out, err = main("replay", "last")
        assert code == 0 and "✓ " + pseudo("same") in out and pseudo("1 call(s): 1 same, 0 differ.") in out
        assert leftovers(out + err, str(tmp_path)) == []
        code, out, err = main("replay", "last", "--tool", "ñoño")
        assert code == 0 and leftovers(out + err, str(tmp_path), "ñoño") == []
        damaged.write_text("{ not json", encoding="utf-8")
        code, out, err = main("list")
        row = next(line for line in out.splitlines() if DAMAGED_ID in line)
        assert pseudo("DAMAGED: ") in row  # the label; the problem after it is the store's text


def test_ask_notes_on_stderr_go_through_the_catalog(
    main: Main, config_file: Path, scripted_server: ScriptedServer
) -> None:
    """The idle reset, the history left out, a retry and a failed turn: each note, whole, in the catalog
    (the provider's error text inside two of them is the engine's)."""
    text_of_config = config_file.read_text(encoding="utf-8").replace("max_retries = 0", "max_retries = 1")
    config_file.write_text(text_of_config + "\n[session]\nhistory_messages = 1\n", encoding="utf-8")
    with pseudo_language():
        assert main("ask", "ñ")[0] == 0
        code, _, err = main("ask", "-c", "ññ")
        conversation_id = re.findall(r"chat-local-[0-9a-z-]+", main("list")[1])[0]
        assert code == 0
        assert (
            pseudo(
                "{n} earlier messages of this session not sent to the model (the context window or "
                "[session] history_messages limits the history)."
            ).format(n=2)
            in err
        ), err

        store = ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))
        conversation = store.load(conversation_id)
        conversation.last_activity -= timedelta(minutes=30)
        store.save(conversation)
        store.close()
        code, _, err = main("ask", "-c", "ñññ")
        assert code == 0
        assert (
            pseudo(
                "conversation {id} was idle for over {minutes} minutes: this starts a new model session, "
                "so the earlier messages are kept but not sent to the model."
            ).format(id=conversation_id, minutes="20")
            in err
        ), err

        scripted_server.script(error(429, headers={"retry-after-ms": "10"}), text("ñ"))
        code, _, err = main("ask", "-c", "ññññ")
        assert code == 0 and pseudo(" Retrying in {seconds} s…").format(seconds="0.01") in err, err

        scripted_server.script(error(500), error(500))
        code, _, err = main("ask", "-c", "ñññññ")
        assert code == 1
        assert err.endswith(
            "tui-chat: " + pseudo("your message is saved in conversation {id}.\n").format(id=conversation_id)
        ), err


# -- in Spanish: real processes ------------------------------------------------------------------------


def test_help_and_usage_errors_are_spanish_when_the_config_says_es(cli_host: CliHost) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[session]\nlanguage = "es"\n', encoding="utf-8")

    code, out, err = cli_host.start("--help").wait()
    assert code == 0 and err == ""
    assert out.startswith("uso: tui-chat [-h] [--version]")
    assert "\nopciones:\n  -h, --help" in out and "muestra este mensaje de ayuda y sale" in out
    assert "argumentos posicionales:" in out and "Chatea con LLM y depura las herramientas" in out
    assert "lista las conversaciones, las más recientes primero" in out

    code, out, err = cli_host.start("show").wait()
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "uso: tui-chat show [-h] [--json] id",
        "tui-chat show: error: faltan los argumentos obligatorios: id",
    ]

    code, _, err = cli_host.start("list", "--limit", "x").wait()
    assert code == 2 and "error: argumento --limit/-n: 'x' no es un número entero" in err
    code, _, err = cli_host.start("search").wait()
    assert (
        code == 2 and err == "tui-chat: indica palabras que buscar, o un filtro (--tool, --errors, --role)\n"
    )
    code, out, _ = cli_host.start("list").wait()
    assert code == 0 and out == "Aún no hay conversaciones. Empieza una con: tui-chat ask 'Hola'\n"


def test_the_language_is_read_where_loading_the_config_reads_it(cli_host: CliHost, tmp_path: Path) -> None:
    """``--config`` / ``--data-dir`` (any spelling argparse takes) or the environment; the settings file
    over the config file; a broken file says nothing (loading the config reports it)."""
    es = tmp_path / "es.toml"
    es.write_text('[session]\nlanguage = "es"\n', encoding="utf-8")
    en = tmp_path / "en.toml"
    en.write_text('[session]\nlanguage = "en"\n', encoding="utf-8")
    data = tmp_path / "otros-datos"
    data.mkdir()
    (data / "settings.toml").write_text('[session]\nlanguage = "es"\n', encoding="utf-8")

    def usage(*argv: str) -> str:
        code, out, _ = cli_host.start(*argv, "--help").wait()
        assert code == 0
        return out.split(" ", 1)[0]

    assert usage() == "usage:"  # no config file: English
    assert usage("--config", str(es)) == "uso:"
    assert usage(f"--config={es}") == "uso:"
    assert usage("--conf", str(es), "list") == "uso:"  # argparse takes a unique prefix
    assert usage("--config", str(en), "--data-dir", str(data)) == "uso:"  # settings over config
    assert usage(f"--data-d={data}", "config") == "uso:"
    (data / "settings.toml").write_text('[session]\nlanguage = "en"\n', encoding="utf-8")
    assert usage("--config", str(es), "--data-dir", str(data)) == "usage:"
    assert usage("list", "--config", str(es)) == "usage:"  # not a top-level option there: argparse refuses

    broken = tmp_path / "roto.toml"
    broken.write_text('[session\nlanguage = "es"\n', encoding="utf-8")
    assert usage("--config", str(broken)) == "usage:"
    code, _, err = cli_host.start("--config", str(broken), "list").wait()
    assert code == 2 and str(broken) in err  # the config loader's report

    # Cheaply: a Spanish --help reads two TOML files and imports neither litellm nor the engine's store.
    probe = (
        "import sys\nfrom tui_chat import cli\ntry:\n    cli.main(['--config', sys.argv[1], '--help'])\n"
        "except SystemExit:\n    pass\nloaded = [m for m in sys.modules if m.startswith(('litellm', "
        "'tui_chat.engine.store', 'tui_chat.engine.workspace'))]\nprint('loaded:', loaded)"
    )
    root = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [sys.executable, "-c", probe, str(es)],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert completed.stdout.startswith("uso: tui-chat") and completed.stdout.endswith("loaded: []\n")

    assert option_values(["--config", "a", "--data-dir=b", "ask", "--config", "c"]) == {
        "config": "a",
        "data_dir": "b",
    }
    assert configured_language([], {"TUI_CHAT_CONFIG": str(es), "TUI_CHAT_DATA_DIR": str(data)}) == "en"
    assert configured_language([], {"TUI_CHAT_CONFIG": str(es), "TUI_CHAT_DATA_DIR": str(tmp_path)}) == "es"


def test_ask_list_search_replay_tools_and_config_in_spanish(
    cli_host: CliHost, config_file: Path, scripted_server: ScriptedServer
) -> None:
    spanish(config_file)
    scripted_server.script(
        tool_calls([("sumar", '{"a": 1, "b": 2}'), ("romper", '{"a": 1}')]), text("Listo.")
    )

    code, out, err = cli_host.start("ask", "¿cuánto es 1 + 2?").wait()
    assert code == 1 and out == "Listo.\n"
    assert "tui-chat: 1 llamada a herramienta falló: romper: ValueError: ñ\n" in err

    code, out, _ = cli_host.start("list").wait()
    assert code == 0 and "  6 mensajes  2 llamadas a herramientas  openai/scripted  ¿cuánto es 1 + 2?" in out
    code, out, _ = cli_host.start("list", "--json").wait()
    assert code == 0 and set(json.loads(out)[0]) >= {"id", "title", "messages", "tool_calls", "damaged"}

    code, out, _ = cli_host.start("search", "cuánto").wait()
    assert code == 0 and " usuario     " in out and " título      (título)  " in out
    code, out, _ = cli_host.start("search", "nada-de-esto").wait()
    assert code == 0 and out == "Sin resultados.\n"  # the same words as the search screen

    code, out, _ = cli_host.start("replay", "last").wait()
    assert code == 0
    assert out.splitlines()[0].startswith("✓ igual    sumar(")
    assert out.splitlines()[-1] == "2 llamada(s): 2 iguales, 0 distintas."

    code, out, err = cli_host.start("tools").wait()
    assert code == 0 and "\nOrígenes:\n  proceso de herramientas: listo, pid " in out and "; registro " in out

    code, out, _ = cli_host.start("config", "path").wait()
    assert code == 0 and out.startswith("configuración: ") and "\najustes:       " in out
    code, out, _ = cli_host.start("config", "show").wait()
    assert code == 0 and "temperature = 0.7  # predeterminado\n" in out
    assert f'language = "es"  # configuración {config_file}\n' in out

    damaged = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "conversations" / f"{DAMAGED_ID}.json"
    damaged.write_text("{ no es json", encoding="utf-8")
    code, out, _ = cli_host.start("list").wait()
    assert code == 0 and any(DAMAGED_ID in line and "DAÑADA: " in line for line in out.splitlines())


def _lines_when(path: Path, ready: Callable[[list[str]], bool], timeout: float = 60) -> list[str]:
    """The lines of a file once ``ready`` holds for them (a generous timeout against a hang)."""
    end = time.monotonic() + timeout
    while True:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if ready(lines):
            return lines
        assert time.monotonic() < end, lines
        time.sleep(0.05)


def _request(url: str, token: str | None, body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as failure:
        return failure.code, json.load(failure)


def test_serve_starts_answers_and_stops_in_spanish(
    cli_host: CliHost, scripted_server: ScriptedServer
) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
        '[tools]\nexamples = false\n[session]\nlanguage = "es"\n',
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if key != TOKEN_ENV}
    process = cli_host.start("serve", "--port", "0", env=env)
    try:
        lines = _lines_when(
            process.stdout_path, lambda lines: any(line.startswith("envíalo") for line in lines)
        )
        assert lines[0].startswith("tui-chat serve: escuchando en http://127.0.0.1:"), lines
        assert "(datos en " in lines[0]
        assert lines[1].startswith("token (se muestra solo esta vez; guardado en ")
        assert lines[3] == "envíalo como: Authorization: Bearer <token>"
        url, token = lines[0].split()[4], lines[2].strip()

        assert _request(f"{url}/chat/stats", None) == (
            401,
            {"success": False, "error": "Falta el token bearer o no es correcto."},
        )
        assert _request(f"{url}/chat/start", token, b"{}") == (
            400,
            {"success": False, "error": "userId es obligatorio."},
        )
        status, body = _request(f"{url}/chat/message", token, b'{"message": "hola", "userId": "ana"}')
        assert status == 200 and body["success"] is True and body["response"] == "You said: hola"
        status, body = _request(f"{url}/chat/start", token, b'{"userId": "ana"}')
        assert status == 200 and body["welcomeMessage"].startswith("¡Hola!")
    finally:
        os.kill(process.pid, signal.SIGTERM)
    code, _, err = process.wait()
    assert code == 0 and "tui-chat serve: deteniéndose" in err


# -- the HTTP API's error texts -----------------------------------------------------------------------


@pytest.fixture
async def api(scripted_server: ScriptedServer) -> AsyncIterator[aiohttp.ClientSession]:
    """A real server over a Spanish workspace; a client that sends its token."""
    config = Config(
        model=ModelSettings(name="openai/scripted", api_base=scripted_server.base_url, max_retries=0),
        session=SessionSettings(language="es"),
        tools=ToolSettings(examples=False),
    )
    data_dir = Path(os.environ["TUI_CHAT_DATA_DIR"])
    backend = ChatBackend.build(config, data_dir)
    running = await start_server(backend, token="t" * 24, port=0, max_body=4096)
    headers = {"Authorization": "Bearer " + "t" * 24}
    try:
        async with aiohttp.ClientSession(base_url=running.url, headers=headers) as client:
            yield client
    finally:
        await running.close()
        backend.close()


BAD_REQUESTS: list[tuple[str, str, Any, int, str]] = [
    ("POST", "/chat/start", {}, 400, "userId es obligatorio."),
    ("POST", "/chat/start", {"userId": ["ana"]}, 400, "userId debe ser una cadena."),
    (
        "POST",
        "/chat/start",
        {"userId": "a\nb"},
        400,
        "userId debe ser imprimible y tener como mucho 200 caracteres.",
    ),
    ("POST", "/chat/message", {"userId": "ana"}, 400, "message y userId son obligatorios."),
    ("POST", "/chat/message", {"message": 42, "userId": "ana"}, 400, "message debe ser una cadena."),
    ("POST", "/chat/message", {"message": "  ", "userId": "ana"}, 400, "message está vacío."),
    (
        "POST",
        "/chat/message",
        {"message": "hola", "userId": "ana", "conversationId": 7},
        400,
        "conversationId debe ser una cadena.",
    ),
    (
        "POST",
        "/chat/message",
        {"message": "hola", "userId": "ana", "context": [1]},
        400,
        'context debe ser un objeto JSON, como {"name": "Ana"}.',
    ),
    ("POST", "/chat/message", ["no", "objeto"], 400, "El cuerpo de la petición debe ser un objeto JSON."),
    (
        "POST",
        "/chat/message",
        {"message": "x" * 5000, "userId": "ana"},
        413,
        "El cuerpo de la petición supera los 4,096 bytes.",
    ),
    (
        "POST",
        "/chat/message",
        {"message": "hola", "userId": "ana", "conversationId": "chat-local-20250101-000000-00000000"},
        404,
        "Este usuario no tiene ninguna conversación con ese ID.",
    ),
    ("GET", "/no-existe", None, 404, "No encontrado"),
    ("GET", "/chat/start", None, 405, "Método no permitido"),
]


async def _answers(client: aiohttp.ClientSession) -> list[tuple[int, Any]]:
    answers = []
    for method, path, body, _status, _text in BAD_REQUESTS:
        async with client.request(method, path, json=body) as response:
            answers.append((response.status, await response.json()))
    async with client.post("/chat/message", data=b'\xff{"a"') as response:  # not JSON
        answers.append((response.status, await response.json()))
    return answers


async def test_the_api_errors_are_spanish_with_the_same_fields_and_statuses(
    api: aiohttp.ClientSession, scripted_server: ScriptedServer
) -> None:
    answers = await _answers(api)
    for (status, body), (_method, path, _body, expected_status, expected) in zip(
        answers, BAD_REQUESTS, strict=False
    ):
        assert (status, body) == (expected_status, {"success": False, "error": expected}), path
    status, body = answers[-1]
    assert status == 400 and body["error"].startswith("El cuerpo de la petición no es JSON válido (")
    async with api.get("/chat/stats", headers={"Authorization": "Bearer wrong"}) as response:
        assert response.status == 401
        assert await response.json() == {"success": False, "error": "Falta el token bearer o no es correcto."}

    scripted_server.script(error(401, message="invalid key"))
    async with api.post("/chat/message", json={"message": "hola", "userId": "ana"}) as response:
        status, body = response.status, await response.json()
    assert status == 502 and body["errorKind"] == "authentication"
    assert body["error"] == "El proveedor rechazó la clave de API."
    assert set(body) == {
        "success",
        "conversationId",
        "response",
        "functionCalled",
        "functionNames",
        "error",
        "errorKind",
    }


async def test_the_api_errors_go_through_the_catalog(api: aiohttp.ClientSession) -> None:
    with pseudo_language():
        answers = await _answers(api)
    fields = ["userId", "message", "conversationId", "context", "name", "Ana"]
    for (status, body), case in zip(answers[:-1], BAD_REQUESTS, strict=True):
        assert status == case[3] and body["success"] is False
        assert leftovers(body["error"], allowed=fields) == [], (case, body)
    assert answers[-1][1]["error"].startswith(
        pseudo("The request body is not valid JSON (")
    )  # then Python's detail


async def test_the_startup_lines_and_warnings_go_through_the_catalog(
    scripted_server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    config = Config(
        model=ModelSettings(name="openai/scripted", api_base=scripted_server.base_url),
        tools=ToolSettings(examples=False),
    )
    data_dir = tmp_path / "datos"
    data_dir.mkdir()
    token_file = data_dir / TOKEN_FILE
    token_file.write_text("ñ" * 24 + "\n", encoding="utf-8")
    token_file.chmod(0o644)  # readable by others: tightened, with a warning
    out, err, stop = io.StringIO(), io.StringIO(), asyncio.Event()
    names = ("tui_chat.serve", "aiohttp.access", "aiohttp.server", "aiohttp.web")
    saved = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate) for name in names
    }
    try:
        with pseudo_language():
            task = asyncio.create_task(
                serve(config, data_dir, host="127.0.0.1", port=0, out=out, err=err, stop=stop)
            )
            while len(out.getvalue().splitlines()) < 2:  # listening on …, where the token is
                assert not task.done(), err.getvalue()
                await asyncio.sleep(0.05)
            stop.set()
            await task
            generated = describe_token(ServeToken("ñ" * 24, "generated", token_file))
            monkeypatch.setenv(TOKEN_ENV, "ñ")
            short = resolve_token(data_dir)
            texts = [
                out.getvalue(),
                err.getvalue(),
                bind_warning("0.0.0.0"),
                generated,
                describe_token(short),
            ]
            texts.append(short.warning)
    finally:
        for name, (handlers, propagate) in saved.items():
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).propagate = propagate
    assert "tui-chat serve: " + pseudo("listening on ") + "http://127.0.0.1:" in texts[0]
    assert pseudo("warning: ") + str(token_file) + pseudo(" was readable by other users") in texts[1]
    assert pseudo("stopping") in texts[1]
    for shown in texts:
        allowed = ["serve", "Authorization", "Bearer", "token", "TUI_CHAT_SERVE_TOKEN"]
        assert leftovers(shown, allowed=allowed) == [], shown
