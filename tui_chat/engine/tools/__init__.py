"""Tools the model can call.

schema (signatures → JSON schema, ``@tool``), registry (what is offered, running a call), loader
(importing user modules: in the tool host), host (the tool host, an MCP stdio server), capture (per-call
output in the host), sources (the source interface and the runtime loop), mcp_client (a supervised MCP
connection), configured (sources from the config), watch (hot reload), logs, examples (the seed's tools).
"""
