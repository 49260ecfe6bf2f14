"""The tool workbench's engine side (docs/workbench.md): how a failed call is classified
(``tool_outcome``), arguments checked against a schema (``arguments``), recorded calls re-run and diffed
(``replay``), a conversation forked at a tool result (``fork``), the tools panel's run history
(``tool_runs``) and a call exported as a pytest test (``call_export``)."""
