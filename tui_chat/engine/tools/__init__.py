"""Tools the model can call.

schema (signatures → JSON schema, ``@tool``; its parts type_schema and docstrings), spec (ToolSpec and
the records about tools), registry (what is offered, running a call; its parts execution and
registry_sources), loader (importing user modules: in the tool host), host (the tool host, an MCP stdio
server), capture (per-call output in the host), sources (the source interface and the runtime loop),
mcp_client (a supervised MCP connection; its parts mcp_process, mcp_calls, mcp_listing, mcp_failures),
configured (sources from the config), watch (hot reload), logs, examples (the seed's tools).
"""
