"""Search and the cold start: real files in tmp_path, real SQLite (FTS5), the CLI in-process."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tui_chat import cli
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ErrorInfo,
    Session,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)
from tui_chat.engine.stats import format_stats, stats_dict
from tui_chat.engine.store import index as store_index
from tui_chat.engine.store import index_db
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.rows import summarize
from tui_chat.engine.store.scan import quick_row
from tui_chat.engine.store.session_file import ConversationEncoder

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def tool_result(
    number: int, name: str, data: object, minutes: float, *, error: str | None = None, kind: str | None = None
) -> ToolMessage:
    result = {"success": False, "error": error} if error else {"success": True, "data": data}
    return ToolMessage(
        f"call_{number}", name, json.dumps({"q": str(number)}), result, json.dumps(result), 10.0 * number,
        id=f"m-t{number}", created_at=at(minutes), error=error, error_kind=kind,
    )  # fmt: skip


def conversation(conversation_id: str, minutes: float, *, title: str = "Recetas") -> Conversation:
    """A user question, a tool round (one result holds ``zanahoria``), a reply holding ``berenjena``."""
    call = ToolCall("call_1", "buscar_receta", '{"q": "1"}')
    session = Session(id="s-1", started_at=at(minutes))
    session.messages += [
        UserMessage("¿Qué cocino hoy?", id="m-u1", created_at=at(minutes)),
        AssistantMessage("", [call], id="m-a1", created_at=at(minutes + 1), usage=Usage(100, 10)),
        tool_result(1, "buscar_receta", {"receta": "crema de zanahoria"}, minutes + 2),
        AssistantMessage("Prueba la berenjena asada.", id="m-a2", created_at=at(minutes + 3)),
    ]
    return Conversation(
        id=conversation_id, title=title, user_id="ana", model="gpt-4o-mini",
        created_at=at(minutes), last_activity=at(minutes + 3), sessions=[session],
    )  # fmt: skip


@pytest.fixture(params=["fts5", "no-fts5"])
def store(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConversationStore:
    """The store with FTS5, and as on a Python whose SQLite lacks it (search falls back to LIKE)."""
    if request.param == "no-fts5":
        monkeypatch.setattr(index_db, "_FTS", "CREATE VIRTUAL TABLE texts_fts USING no_such_module(text)")
    store = ConversationStore(tmp_path / "data")
    assert store._index.fts == (request.param == "fts5")
    yield store
    store.close()


def ids(hits) -> list[tuple[str, str]]:
    return [(hit.conversation_id, hit.message_id) for hit in hits]


def test_search_finds_a_word_in_a_tool_result_and_in_a_reply(store: ConversationStore) -> None:
    store.save(conversation("chat-1", 0))
    tool_hits = store.search("zanahoria")
    assert ids(tool_hits) == [("chat-1", "m-t1")]
    hit = tool_hits[0]
    assert hit.role == "tool" and hit.tools == ("buscar_receta",) and not hit.error
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["zanahoria"]
    assert tool_hits.index_complete
    reply = store.search("berenjena")
    assert ids(reply) == [("chat-1", "m-a2")] and reply[0].role == "assistant"
    assert ids(store.search("buscar_receta")) == [("chat-1", "m-a1"), ("chat-1", "m-t1")][::-1]
    assert ids(store.search("berenj")) == [("chat-1", "m-a2")]  # the last word is a prefix
    assert store.search("zanahoria berenjena") == []  # every word, in one message


def test_hits_are_newest_first_and_filters_narrow_them(store: ConversationStore) -> None:
    store.save(conversation("chat-old", 0, title="Cena"))
    newer = conversation("chat-new", 600, title="Almuerzo")
    session = newer.sessions[0]
    session.messages += [
        tool_result(2, "buscar_receta", None, 605, error="timed out after 5 s: zanahoria", kind="timeout"),
        tool_result(3, "otra_herramienta", {"zanahoria": 1}, 606),
        tool_result(4, "buscar_receta", None, 607, error="zanahoria: KeyError"),  # an old row: no kind
    ]
    newer.last_activity = at(607)
    store.save(newer)

    everything = store.search("zanahoria")
    assert ids(everything) == [
        ("chat-new", "m-t4"), ("chat-new", "m-t3"), ("chat-new", "m-t2"), ("chat-new", "m-t1"),
        ("chat-old", "m-t1"),
    ]  # fmt: skip
    assert [hit.created_at for hit in everything] == sorted(
        (hit.created_at for hit in everything), reverse=True
    )
    assert ids(store.search("zanahoria", tool="otra_herramienta")) == [("chat-new", "m-t3")]
    assert ids(store.search("zanahoria", errors_only=True)) == [("chat-new", "m-t4"), ("chat-new", "m-t2")]
    assert all(hit.error for hit in store.search("zanahoria", errors_only=True))
    assert ids(store.search("", tool="buscar_receta", errors_only=True)) == [
        ("chat-new", "m-t4"),
        ("chat-new", "m-t2"),
    ]
    assert ids(store.search("cocino", role="user")) == [("chat-new", "m-u1"), ("chat-old", "m-u1")]
    assert store.search("cocino", role="assistant") == []
    assert ids(store.search("almuerzo", role="title")) == [("chat-new", "")]
    assert len(store.search("zanahoria", limit=2)) == 2
    # The tool filter is the exact name: a tool whose name is a prefix of another's is not mixed in.
    assert store.search("zanahoria", tool="buscar") == []


def test_search_text_never_carries_the_highlight_markers(store: ConversationStore) -> None:
    sneaky = conversation("chat-1", 0)
    sneaky.sessions[0].messages[0] = UserMessage(
        "a \x02fake\x03 mark and \x1b[31m colour", id="m-u1", created_at=at(0)
    )
    store.save(sneaky)
    (hit,) = store.search("mark")
    assert "\x02" not in hit.snippet and "\x03" not in hit.snippet
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["mark"]


def test_per_tool_figures_count_errors_by_kind_and_duration_percentiles(store: ConversationStore) -> None:
    first = conversation("chat-1", 0)
    first.sessions[0].messages += [
        tool_result(n, "buscar_receta", {"n": n}, 10 + n) for n in range(2, 21)
    ] + [
        tool_result(30, "buscar_receta", None, 40, error="timed out", kind="timeout"),
        tool_result(31, "buscar_receta", None, 41, error="boom"),  # before error_kind existed
        tool_result(32, "enviar", None, 42, error="bad args", kind="invalid_arguments"),
    ]
    store.save(first)
    totals = store.totals()
    search = totals.tools["buscar_receta"]
    durations = sorted([10.0 * n for n in range(1, 21)] + [300.0, 310.0])
    assert search.calls == 22 and search.errors == 2
    assert search.errors_by_kind == {"exception": 1, "timeout": 1}
    assert search.p50_ms == durations[10] and search.p95_ms == durations[20] and search.max_ms == 310.0
    assert totals.tools["enviar"].errors_by_kind == {"invalid_arguments": 1}
    figures = stats_dict(totals)["tools"]["buscar_receta"]
    assert figures["p50_ms"] == durations[10] and figures["errors_by_kind"] == {"exception": 1, "timeout": 1}
    text = format_stats(totals)
    assert "p95 ms" in text and "timeout 1" in text and "invalid_arguments 1" in text


def write_files(folder: Path, count: int) -> None:
    """``count`` files written directly (as another process would); file ``n`` is newer than ``n-1``."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        item = conversation(f"chat-{number:04d}", number * 10, title=f"Charla {number}")
        item.sessions[0].messages[0] = UserMessage(
            f"palabra{number} hola", id="m-u1", created_at=at(number * 10)
        )
        path = folder / f"{item.id}.json"
        path.write_bytes(ConversationEncoder().encode(item).data)
        os.utime(path, ns=(1_700_000_000_000_000_000 + number * 10**9,) * 2)


def test_cold_start_publishes_rows_newest_first_in_batches_before_the_text_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_files(data / "conversations", 130)
    store = ConversationStore(data)

    steps = list(store.scan_conversations())
    assert len(steps) >= 2 and steps[-1].done and not steps[0].done
    assert [step.read for step in steps] == sorted({step.read for step in steps})
    assert steps[0].total == 130 and 0 < steps[0].read < 130
    # The first batch is the newest files: what the top of the list shows.
    first = {summary.id for summary in steps[0].summaries}
    assert first == {f"chat-{number:04d}" for number in range(130 - steps[0].read, 130)}
    assert steps[-1].summaries[0].id == "chat-0129" and len(steps[-1].summaries) == 130
    summary = steps[-1].summaries[0]
    assert (summary.title, summary.message_count, summary.tool_call_count, summary.session_count) == (
        "Charla 129", 4, 1, 1,
    )  # fmt: skip

    # Summaries first: the full text is not indexed yet, and a search says so.
    assert not store.text_progress().complete
    early = store.search("palabra7 hola", wait=False)
    assert not early.index_complete and early == []
    assert store.totals().tools["buscar_receta"].calls == 130  # the figures come with the summaries

    progress = [store.index_texts(max_files=40)]
    while not progress[-1].complete:
        progress.append(store.index_texts(max_files=40))
    assert len(progress) >= 3 and [p.indexed for p in progress] == sorted(p.indexed for p in progress)
    done = store.search("palabra7 hola", wait=False)
    assert done.index_complete and ids(done) == [("chat-0007", "m-u1")]
    store.close()


def test_search_waits_for_the_index_by_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_files(data / "conversations", 5)
    store = ConversationStore(data)
    assert len(store.list_conversations()) == 5
    result = store.search("palabra3 hola")
    assert result.index_complete and ids(result) == [("chat-0003", "m-u1")]


def test_the_quick_summary_agrees_with_the_full_decode(store: ConversationStore) -> None:
    item = conversation("chat-1", 0)
    item.sessions.append(Session(id="s-2", started_at=at(50), reason="idle_reset"))
    item.sessions[1].messages += [
        AssistantMessage(
            "x", id="m-e", created_at=at(51), usage=Usage(5, 6, 0.25), error=ErrorInfo("timeout", "t")
        ),
        tool_result(9, "otra", None, 52, error="boom", kind="crashed"),
    ]
    raw = ConversationEncoder().encode(item).data
    assert quick_row(raw, "chat-1", 7, len(raw)) == summarize(item, 7, len(raw))


def test_damaged_files_in_the_scan_are_rows_with_a_reason(store: ConversationStore) -> None:
    store.save(conversation("chat-good", 0))
    folder = store.conversations_dir
    (folder / "chat-json.json").write_bytes(b'{"id": "chat-json", "title": ')
    (folder / "chat-dir.json").mkdir()
    os.mkfifo(folder / "chat-fifo.json")
    deep = json.dumps(conversation("chat-deep", 5).to_dict()).replace(
        '"context": {}', '"context": ' + "[" * 10_000 + "]" * 10_000
    )
    (folder / "chat-deep.json").write_text(deep)
    surrogate = conversation("chat-sur", 6).to_dict()
    (folder / "chat-sur.json").write_text(json.dumps(surrogate).replace("Recetas", "Rec\\ud83detas"))
    (folder / "chat-big-int.json").write_text('{"id": "chat-big-int", "format_version": ' + "9" * 5000 + "}")

    listed = {summary.id: summary for summary in store.list_conversations()}
    assert listed["chat-good"].damaged is None
    assert "invalid JSON" in listed["chat-json"].damaged
    assert "folder" in listed["chat-dir"].damaged
    assert "not a regular file" in listed["chat-fifo"].damaged
    assert listed["chat-big-int"].damaged
    assert listed["chat-sur"].title == "Rec\ufffdetas"  # stored and listed, never a crash
    assert "chat-deep" in listed
    result = store.search("zanahoria")
    assert ("chat-good", "m-t1") in ids(result) and result.index_complete


def test_two_stores_on_one_data_dir_build_and_read_the_index_together(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_files(data / "conversations", 60)
    first, second = ConversationStore(data), ConversationStore(data)  # two connections, as two processes
    errors: list[BaseException] = []

    def work(store: ConversationStore) -> None:
        try:
            for _ in range(3):
                store.list_conversations()
                store.index_all_texts()
                store.save(conversation(f"chat-by-{id(store)}", 5000))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(store,)) for store in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for store in (first, second):
        assert len(store.list_conversations()) == 62
        assert ids(store.search("palabra42 hola")) == [("chat-0042", "m-u1")]


def run_cli(*argv: str) -> int:
    return cli.run(cli.build_parser().parse_args(list(argv)))


def test_cli_search_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(os.environ["TUI_CHAT_DATA_DIR"])
    write_files(data / "conversations", 3)
    assert run_cli("search", "zanahoria", "--json", "--limit", "2") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["index_complete"] is True and len(out["hits"]) == 2
    hit = out["hits"][0]
    assert {"conversation_id", "message_id", "role", "snippet"} <= hit.keys()
    assert (hit["conversation_id"], hit["message_id"], hit["role"]) == ("chat-0002", "m-t1", "tool")
    assert "zanahoria" in hit["snippet"] and hit["tools"] == ["buscar_receta"]

    assert run_cli("search", "berenjena", "--role", "assistant", "--tool", "buscar_receta", "--json") == 0
    assert json.loads(capsys.readouterr().out)["hits"] == []
    assert run_cli("search", "berenjena") == 0
    text = capsys.readouterr().out
    assert "chat-0002" in text and "[berenjena]" in text
    assert run_cli("search", "--errors") == 0
    assert "No matches." in capsys.readouterr().out
    assert run_cli("stats", "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["tools"]["buscar_receta"]["calls"] == 3 and "p95_ms" in stats["tools"]["buscar_receta"]


def test_list_and_search_processes_share_a_cold_data_dir(tmp_path: Path) -> None:
    """Two real processes on a data dir with no index: both build it, neither fails or loses a row."""
    data = tmp_path / "shared"
    write_files(data / "conversations", 80)
    env = {**os.environ, "TUI_CHAT_DATA_DIR": str(data), "PYTHONPATH": str(Path(__file__).parent.parent)}
    command = [sys.executable, "-m", "tui_chat"]
    listing = subprocess.Popen([*command, "list", "--json"], env=env, stdout=subprocess.PIPE, text=True)
    search = subprocess.Popen(
        [*command, "search", "palabra42 hola", "--json"], env=env, stdout=subprocess.PIPE, text=True
    )
    listed, found = listing.communicate(timeout=120)[0], search.communicate(timeout=120)[0]
    assert listing.returncode == 0 and search.returncode == 0
    assert len(json.loads(listed)) == 80
    hits = json.loads(found)
    assert hits["index_complete"] and [h["conversation_id"] for h in hits["hits"]] == ["chat-0042"]
    store = ConversationStore(data)
    assert store.text_progress().complete and len(store.search("zanahoria", wait=False, limit=100)) == 80


def open_fresh_indexes(folder: str, rounds: int, barrier: threading.Barrier) -> None:
    """One of two processes: at each round, both open the same new index at once (exit code: failures)."""
    failures = 0
    for number in range(rounds):
        barrier.wait(timeout=60)
        try:
            store_index.ConversationIndex(Path(folder) / f"index-{number}.sqlite3").close()
        except sqlite3.Error as error:
            failures += 1
            print(f"round {number}: {error}", file=sys.stderr)
    raise SystemExit(min(failures, 100))


def test_two_processes_opening_a_fresh_index_at_once_both_share_it(tmp_path: Path) -> None:
    """SQLite does not wait for a journal mode change: one of two processes creating the index at once
    got "database is locked" from ``PRAGMA journal_mode=WAL`` and fell back to a private index, so what
    it indexed never reached the data dir (the cause of the flaky cold-data-dir test above)."""
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    workers = [spawn.Process(target=open_fresh_indexes, args=(str(tmp_path), 40, barrier)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]


def test_rows_the_full_text_pass_changes_are_reported_by_the_next_refresh(tmp_path: Path) -> None:
    """The open list relists only when ``refresh()`` says a row changed. A file deleted or rewritten
    after the scan is dropped or re-read by the full-text pass, before the refresh looks: the refresh
    must still say so (the TUI kept showing a deleted conversation)."""
    data = tmp_path / "data"
    folder = data / "conversations"
    write_files(folder, 3)
    store = ConversationStore(data)
    assert store.refresh() is True and len(store.list_conversations()) == 3
    assert store.refresh() is False
    (folder / "chat-0001.json").unlink()
    renamed = conversation("chat-0000", 0, title="Renombrada por otro proceso")
    (folder / "chat-0000.json").write_bytes(ConversationEncoder().encode(renamed).data)
    assert store.index_texts().complete  # the pass finds one file gone and one changed
    assert store.refresh() is True
    assert [(s.id, s.title) for s in store.list_conversations()] == [
        ("chat-0002", "Charla 2"),
        ("chat-0000", "Renombrada por otro proceso"),
    ]
    assert store.refresh() is False


def test_cli_search_no_wait_says_the_index_is_incomplete(capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(os.environ["TUI_CHAT_DATA_DIR"])
    write_files(data / "conversations", 4)
    ConversationStore(data).list_conversations()  # summaries only: the text is not indexed yet
    assert run_cli("search", "zanahoria", "--no-wait", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["index_complete"] is False and out["hits"] == []
    assert run_cli("search", "zanahoria", "--no-wait") == 0
    assert "still being built: 0 of 4 conversations" in capsys.readouterr().out


def test_cli_search_needs_words_or_a_filter(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(cli.UsageError):
        run_cli("search")
