"""``tui-chat serve`` over real HTTP: a server on a free port, the scripted model behind it.

Each endpoint answers with the seed's fields; the tool loop, SSE, auth, bad requests, ownership, the idle
reset, disconnects and concurrency are checked against what ends up in the conversation files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from scripted_server import Reply, ScriptedServer, echo, error, slow_stream, stall, text, tool_calls
from serve_helpers import Served, model_config, read_events, wait_until

from tui_chat import cli
from tui_chat.engine.models import AssistantMessage, ToolMessage, UserMessage
from tui_chat.engine.services import build_services
from tui_chat.serve import sse
from tui_chat.serve.app import make_app
from tui_chat.serve.auth import resolve_token
from tui_chat.serve.backend import ChatBackend
from tui_chat.serve.server import start_server

SEED_MESSAGE_FIELDS = {"success", "conversationId", "response", "functionCalled"}


@pytest.fixture
async def served(scripted_server: ScriptedServer) -> AsyncIterator[Served]:
    data_dir = Path(os.environ["TUI_CHAT_DATA_DIR"])
    services = build_services(model_config(scripted_server), data_dir)
    token = resolve_token(data_dir).value
    running = await start_server(
        ChatBackend(services), token=token, host="127.0.0.1", port=0, max_body=64 * 1024
    )
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base_url=running.url, headers=headers) as client:
        yield Served(client, running, services, scripted_server, data_dir, token)
    await running.close()
    services.store.close()


async def test_start_answers_the_seed_fields_and_saves_the_welcome(served: Served) -> None:
    status, body = await served.post("/chat/start", {"userId": "ana", "context": {"name": "Ana"}})
    assert status == 200
    assert set(body) == {"success", "conversationId", "welcomeMessage", "context"}
    assert body["success"] is True and body["context"] == {"name": "Ana"}
    assert body["welcomeMessage"] == served.services.chat.welcome_text()
    stored = served.stored(body["conversationId"])
    assert stored.user_id == "ana" and stored.context == {"name": "Ana"}
    (welcome,) = stored.messages()
    assert isinstance(welcome, AssistantMessage) and welcome.welcome


async def test_message_without_id_starts_a_conversation_and_continues_it(served: Served) -> None:
    status, body = await served.post("/chat/message", {"message": "hola", "userId": "ana"})
    assert status == 200
    assert set(body) >= SEED_MESSAGE_FIELDS and "functionName" not in body
    assert body["success"] is True and body["functionCalled"] is False
    assert body["response"] == "You said: hola"
    conversation_id = body["conversationId"]
    status, body = await served.post(
        "/chat/message",
        {
            "message": "otra vez",
            "userId": "ana",
            "conversationId": conversation_id,
            "context": {"plan": "pro"},
        },
    )
    assert status == 200 and body["conversationId"] == conversation_id
    stored = served.stored(conversation_id)
    assert [type(m).__name__ for m in stored.messages()] == [
        "AssistantMessage",
        "UserMessage",
        "AssistantMessage",
        "UserMessage",
        "AssistantMessage",
    ]
    assert stored.context == {"plan": "pro"}
    sent = served.model.requests[-1].body["messages"]
    assert '"plan": "pro"' in sent[0]["content"]  # the user context is in the system prompt
    assert [m["content"] for m in sent[1:] if m["role"] == "user"] == ["hola", "otra vez"]


async def test_a_tool_round_runs_the_whole_loop(served: Served) -> None:
    served.model.script(
        tool_calls([("buscar_informacion", '{"consulta": "horarios"}')]),
        text("Abrimos a las 9."),
    )
    status, body = await served.post("/chat/message", {"message": "¿horario?", "userId": "ana"})
    assert status == 200
    assert body["functionCalled"] is True and body["functionName"] == "buscar_informacion"
    assert body["response"] == "Abrimos a las 9."
    second = served.model.requests[1].body["messages"]
    assert [m["role"] for m in second[-2:]] == ["assistant", "tool"]
    tools = [m for m in served.stored(body["conversationId"]).messages() if isinstance(m, ToolMessage)]
    assert [t.name for t in tools] == ["buscar_informacion"] and tools[0].ok


async def test_sse_streams_deltas_and_tool_events(served: Served) -> None:
    served.model.script(
        tool_calls([("buscar_informacion", '{"consulta": "x"}')]),
        text("line one\nline two", chunk_size=3),
    )
    headers = {"Accept": "text/event-stream"}
    async with served.client.post(
        "/chat/message", json={"message": "busca", "userId": "ana"}, headers=headers
    ) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = await read_events(response)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done"
    assert names.index("tool_call") < names.index("tool_result") < names.index("delta")
    start = events[0][1]
    assert start["sessionStarted"] is True and start["welcomeMessage"]
    call = next(data for name, data in events if name == "tool_call")
    result = next(data for name, data in events if name == "tool_result")
    assert call["name"] == result["name"] == "buscar_informacion" and result["ok"] is True
    assert "".join(data["text"] for name, data in events if name == "delta") == "line one\nline two"
    done = events[-1][1]
    assert done["response"] == "line one\nline two" and done["functionName"] == "buscar_informacion"
    assert done["conversationId"] == start["conversationId"]


async def test_stats_has_the_seed_shape_and_tool_figures(served: Served) -> None:
    served.model.script(tool_calls([("buscar_informacion", '{"consulta": "x"}')]), text("ok"))
    _, first = await served.post("/chat/message", {"message": "uno", "userId": "ana"})
    _, second = await served.post("/chat/start", {"userId": "bob"})
    async with served.client.get("/chat/stats") as response:
        assert response.status == 200
        stats = await response.json()
    assert {"totalSessions", "sessionDetails"} <= set(stats)
    assert stats["totalSessions"] == 2
    details = {detail["id"]: detail for detail in stats["sessionDetails"]}
    assert set(details) == {first["conversationId"], second["conversationId"]}
    ana = details[first["conversationId"]]
    assert set(ana) == {"id", "userId", "messageCount", "createdAt", "lastActivity"}
    assert ana["userId"] == "ana" and ana["messageCount"] == 4  # user, tool-call round, tool, reply
    assert ana["createdAt"].endswith("Z") and ana["lastActivity"] >= ana["createdAt"]
    assert stats["tools"]["buscar_informacion"]["calls"] == 1
    assert stats["totals"]["conversations"] == 2

    body = {"message": "dos", "userId": "ana", "conversationId": first["conversationId"]}
    await served.post("/chat/message", body)
    async with served.client.get("/chat/stats") as response:
        again = {detail["id"]: detail for detail in (await response.json())["sessionDetails"]}
    assert again[first["conversationId"]]["messageCount"] == 6  # read again: it changed
    assert again[first["conversationId"]]["lastActivity"] > ana["lastActivity"]
    assert again[second["conversationId"]] == details[second["conversationId"]]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
)
async def test_requests_without_the_right_token_get_401(served: Served, headers: dict[str, str]) -> None:
    async with aiohttp.ClientSession(base_url=served.url) as anonymous:
        for method, path in [("POST", "/chat/message"), ("POST", "/chat/start"), ("GET", "/chat/stats")]:
            async with anonymous.request(
                method, path, json={"message": "hi", "userId": "ana"}, headers=headers
            ) as response:
                assert response.status == 401
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert (await response.json())["success"] is False
    assert served.files() == [] and served.model.requests == []


async def test_bad_requests_get_400_and_store_nothing(served: Served) -> None:
    cases: list[tuple[str, Any]] = [
        ("/chat/message", {"userId": "ana"}),
        ("/chat/message", {"message": "hi"}),
        ("/chat/message", {"message": "", "userId": "ana"}),
        ("/chat/message", {"message": "   ", "userId": "ana"}),
        ("/chat/message", {"message": 42, "userId": "ana"}),
        ("/chat/message", {"message": "hi", "userId": "ana", "context": [1, 2]}),
        ("/chat/message", {"message": "hi", "userId": "ana", "conversationId": 7}),
        ("/chat/message", ["not", "an", "object"]),
        ("/chat/start", {}),
        ("/chat/start", {"userId": ["ana"]}),
    ]
    for path, body in cases:
        status, answer = await served.post(path, body)
        assert status == 400, (path, body)
        assert set(answer) == {"success", "error"} and answer["success"] is False
    status, answer = await served.post("/chat/message", {"userId": "ana"})
    assert answer["error"] == "message and userId are required."
    for raw in (b"{not json", b"\xff\xfe\x00", b'{"message": "\\ud83d", "userId": "ana"}'):
        async with served.client.post("/chat/message", data=raw) as response:
            assert response.status == 400, raw
            assert (await response.json())["success"] is False
    assert served.files() == [] and served.model.requests == []


async def test_an_oversize_body_is_refused(served: Served) -> None:
    huge = {"message": "x" * (65 * 1024), "userId": "ana"}
    status, answer = await served.post("/chat/message", huge)
    assert status == 413 and answer["success"] is False and "65,536 bytes" in answer["error"]
    assert served.files() == [] and served.model.requests == []


async def test_another_users_conversation_is_404_and_nothing_is_stored(served: Served) -> None:
    _, started = await served.post("/chat/start", {"userId": "ana"})
    conversation_id = started["conversationId"]
    path = served.data_dir / "conversations" / f"{conversation_id}.json"
    before = path.read_bytes()
    body = {
        "message": "let me in",
        "userId": "mallory",
        "conversationId": conversation_id,
        "context": {"a": 1},
    }
    status, foreign = await served.post("/chat/message", body)
    assert status == 404 and foreign == {"success": False, "error": "No such conversation for this user."}
    status, sse = await served.post(
        "/chat/message", body, headers={"Accept": "text/event-stream"}
    )  # the refusal comes before any stream
    assert status == 404 and sse == foreign
    status, unknown = await served.post("/chat/message", {**body, "conversationId": "chat-ana-nope"})
    assert status == 404 and unknown == foreign  # the same answer: no way to tell which ids exist
    status, invalid = await served.post("/chat/message", {**body, "conversationId": "../../etc/passwd"})
    assert status == 404 and invalid == foreign
    assert path.read_bytes() == before and served.files() == [path]
    assert served.model.requests == []


async def test_a_served_conversation_is_readable_with_show(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served.model.script(text("Claro, **Ana**."))
    _, body = await served.post("/chat/message", {"message": "¿me ayudas?", "userId": "ana"})
    capsys.readouterr()
    args = cli.build_parser().parse_args(["show", body["conversationId"]])
    assert await asyncio.to_thread(cli.run, args) == 0
    shown = capsys.readouterr().out
    assert "¿me ayudas?" in shown and "Claro, **Ana**." in shown


async def test_a_client_leaving_mid_stream_cancels_the_turn_and_keeps_the_partial_reply(
    served: Served,
) -> None:
    served.model.script(slow_stream(["Uno ", "dos ", "tres ", "cuatro ", "cinco"] * 20, interval=0.1))
    response = await served.client.post(
        "/chat/message",
        json={"message": "cuenta", "userId": "ana"},
        headers={"Accept": "text/event-stream"},
    )
    conversation_id = ""
    async for raw in response.content:
        line = raw.decode()
        if line.startswith("data:") and "conversationId" in line and not conversation_id:
            conversation_id = json.loads(line[5:])["conversationId"]
        if line.startswith("event: delta"):
            break
    response.close()  # drop the connection mid-stream

    await wait_until(lambda: served.interrupted(conversation_id))
    assert await asyncio.to_thread(served.model.wait_for_disconnect, 10)  # the model request was dropped
    reply = [m for m in served.stored(conversation_id).messages() if isinstance(m, AssistantMessage)][-1]
    assert reply.content.startswith("Uno ") and not reply.content.endswith("cinco")
    assert isinstance(served.stored(conversation_id).messages()[-2], UserMessage)


async def test_the_idle_reset_starts_a_new_session_with_the_welcome(served: Served) -> None:
    _, first = await served.post("/chat/message", {"message": "antes", "userId": "ana"})
    conversation_id = first["conversationId"]
    store = served.services.store
    conversation = store.load(conversation_id)
    conversation.last_activity -= timedelta(minutes=21)
    store.save(conversation)
    async with served.client.post(
        "/chat/message",
        json={"message": "después", "userId": "ana", "conversationId": conversation_id},
        headers={"Accept": "text/event-stream"},
    ) as response:
        events = await read_events(response)
    start = events[0][1]
    assert start["sessionStarted"] is True and start["welcomeMessage"] == served.services.chat.welcome_text()
    stored = served.stored(conversation_id)
    assert [s.reason for s in stored.sessions] == ["new", "idle_reset"]
    sent = served.model.requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["después"]


async def test_different_conversations_run_concurrently(served: Served) -> None:
    """Each model reply waits until the other request reached the model: it only works concurrently."""
    barrier = threading.Barrier(2, timeout=20)

    def meet(body: dict[str, Any]) -> Reply:
        barrier.wait()  # BrokenBarrierError (a 500 from the model) if the requests were serialised
        return echo(body)

    served.model.script(meet, meet)
    results = await asyncio.gather(
        served.post("/chat/message", {"message": "a", "userId": "ana"}),
        served.post("/chat/message", {"message": "b", "userId": "bob"}),
    )
    assert [status for status, _ in results] == [200, 200]
    assert sorted(body["response"] for _, body in results) == ["You said: a", "You said: b"]


async def test_requests_on_one_conversation_are_serialised(served: Served) -> None:
    _, started = await served.post("/chat/start", {"userId": "ana"})
    conversation_id = started["conversationId"]
    in_flight, most = 0, 0
    lock = threading.Lock()

    def counted(body: dict[str, Any]) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        threading.Event().wait(0.05)
        with lock:
            in_flight -= 1
        return echo(body)

    served.model.default_reply = counted
    messages = [f"m{i}" for i in range(5)]
    results = await asyncio.gather(
        *(
            served.post("/chat/message", {"message": m, "userId": "ana", "conversationId": conversation_id})
            for m in messages
        )
    )
    assert all(status == 200 for status, _ in results)
    assert most == 1
    stored = served.stored(conversation_id)
    users = [m.content for m in stored.messages() if isinstance(m, UserMessage)]
    assert sorted(users) == messages  # nothing lost to an interleaved save
    replies = [m.content for m in stored.messages() if isinstance(m, AssistantMessage) and not m.welcome]
    assert replies == [f"You said: {u}" for u in users]  # each reply follows its own message


async def test_an_unexpected_failure_is_a_generic_500_with_details_in_the_log(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """The real application and middlewares, plus one route that fails the way a bug would."""
    app = make_app(ChatBackend(served.services), token=served.token)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError(f"bug while holding {os.environ.get('HOME')} and key sk-live-0123456789")

    app.router.add_post("/chat/broken", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/chat/broken"
    logger = logging.getLogger("tui_chat.serve")
    logger.addHandler(caplog.handler)
    try:
        async with served.client.post(url, json={"userId": "ana"}) as response:
            status, raw = response.status, await response.text()
    finally:
        logger.removeHandler(caplog.handler)
        await runner.cleanup()
    assert status == 500 and json.loads(raw) == {"success": False, "error": "Internal server error."}
    assert "sk-live" not in raw and "Traceback" not in raw
    assert "RuntimeError: bug while holding" in caplog.text and "Traceback" in caplog.text


async def test_a_provider_error_is_a_502_with_the_headline_and_the_message_is_kept(served: Served) -> None:
    served.model.script(error(401, message="invalid key sk-live-0123456789"))
    status, body = await served.post("/chat/message", {"message": "hola", "userId": "ana"})
    assert status == 502
    assert body["success"] is False and body["errorKind"] == "authentication"
    assert body["error"] == served.services.chat.texts.error_headline("authentication")
    assert "sk-live" not in json.dumps(body)  # the provider's text stays in the file and the log
    users = [m for m in served.stored(body["conversationId"]).messages() if isinstance(m, UserMessage)]
    assert [u.content for u in users] == ["hola"]

    served.model.script(error(401, message="invalid key sk-live-0123456789"))
    async with served.client.post(
        "/chat/message",
        json={"message": "otra", "userId": "ana", "conversationId": body["conversationId"]},
        headers={"Accept": "text/event-stream"},
    ) as response:
        events = await read_events(response)
    assert [name for name, _ in events][-2:] == ["error", "done"]
    assert events[-2][1]["errorKind"] == "authentication" and events[-1][1]["success"] is False


async def test_the_turn_deadline_applies_to_served_turns(served: Served) -> None:
    served.services.config.model.turn_deadline = 0.5
    served.model.script(stall(30))
    status, body = await served.post("/chat/message", {"message": "hola", "userId": "ana"})
    assert status == 504 and body["errorKind"] == "deadline" and body["success"] is False
    replies = [m for m in served.stored(body["conversationId"]).messages() if isinstance(m, AssistantMessage)]
    assert replies[-1].error is not None and replies[-1].error.kind == "deadline"


async def test_the_search_tool_only_finds_the_calling_users_conversations(served: Served) -> None:
    _, ana = await served.post("/chat/message", {"message": "mi clave es girasol", "userId": "ana"})
    search = tool_calls([("buscar_informacion", '{"consulta": "girasol"}')])
    served.model.script(search, text("nada"), search, text("algo"))
    _, bob_turn = await served.post("/chat/message", {"message": "busca girasol", "userId": "bob"})
    _, ana_turn = await served.post("/chat/message", {"message": "busca girasol", "userId": "ana"})

    def found(conversation_id: str) -> list[str]:
        (tool,) = [m for m in served.stored(conversation_id).messages() if isinstance(m, ToolMessage)]
        return [hit["conversacion_id"] for hit in tool.result["data"]["resultados"]]

    assert ana["conversationId"] not in found(bob_turn["conversationId"])
    assert ana["conversationId"] in found(ana_turn["conversationId"])


async def test_a_json_client_leaving_mid_turn_cancels_it_too(served: Served) -> None:
    served.model.script(slow_stream(["uno "] * 200, interval=0.05))
    request = asyncio.create_task(served.post("/chat/message", {"message": "espera", "userId": "ana"}))
    await wait_until(lambda: served.model.requests != [])
    await wait_until(lambda: any("espera" in p.read_text() for p in served.files()))
    await asyncio.sleep(0.3)  # some text has streamed
    request.cancel()  # the client closes its connection
    with contextlib.suppress(asyncio.CancelledError):
        await request
    (path,) = served.files()

    await wait_until(lambda: served.interrupted(path.stem))
    assert served.last_reply(path.stem)["content"].startswith("uno ")
    assert await asyncio.to_thread(served.model.wait_for_disconnect, 10)


async def test_a_quiet_stream_gets_keep_alive_comments(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    served.model.script(stall(0.6, text("por fin")))
    async with served.client.post(
        "/chat/message", json={"message": "hola", "userId": "ana"}, headers={"Accept": "text/event-stream"}
    ) as response:
        raw = (await response.read()).decode()
    assert ": keep-alive\n\n" in raw
    assert raw.index("event: start") < raw.index(": keep-alive") < raw.index("event: delta")
    assert raw.rstrip().splitlines()[-2] == "event: done"  # nothing after the last event


async def test_a_conversation_from_the_cli_continues_over_http_for_its_user(served: Served) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{served.model.base_url}"\n')
    args = cli.build_parser().parse_args(["ask", "--new", "desde la terminal"])
    assert await asyncio.to_thread(cli.run, args) == 0
    (path,) = served.files()
    body = {"message": "y ahora por HTTP", "conversationId": path.stem}
    status, _ = await served.post("/chat/message", {**body, "userId": "ana"})
    assert status == 404
    status, answer = await served.post("/chat/message", {**body, "userId": "local"})  # [session] user_id
    assert status == 200 and answer["conversationId"] == path.stem
    sent = served.model.requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["desde la terminal", "y ahora por HTTP"]


async def test_closing_a_served_turn_saves_it_interrupted_at_once(served: Served) -> None:
    """What the SSE route does when its client is gone mid-write: close the turn's events.

    The partial reply must be saved interrupted by the time ``aclose()`` returns, not later when the
    garbage collector finalises an inner generator (a server shutting down would lose that race).
    """
    served.model.script(slow_stream(["a ", "b ", "c "] * 50, interval=0.05))
    backend = ChatBackend(served.services)
    async with backend.turn("ana", None, None) as turn:
        events = turn.send("hola")
        async for event in events:
            if type(event).__name__ == "TextDelta":
                break
        await events.aclose()  # type: ignore[attr-defined]
        assert served.interrupted(turn.conversation_id)
