"""``tui-chat serve``: the seed's REST API (``/chat/start``, ``/chat/message``, ``/chat/stats``) over aiohttp.

One concept per module: :mod:`backend` is the only door into the engine, :mod:`auth` the bearer token,
:mod:`payloads` reading requests, :mod:`reply` the seed's response to a turn, :mod:`sse` the event
stream, :mod:`routes` the handlers, :mod:`app` the application and its middlewares, :mod:`server`
starting and stopping it. Nothing here imports litellm: the first model call (or a background warm-up
once the server listens) does.
"""
