"""A writer process for the concurrency tests: appends ``rounds`` turns to one conversation.

    python tests/store/writer.py store DATA_DIR CONVERSATION_ID TAG ROUNDS GO_FILE
    python tests/store/writer.py ask   DATA_DIR CONVERSATION_ID TAG ROUNDS GO_FILE

``store``: one loaded object, a user message and a reply appended and saved each round (as the TUI
does). ``ask``: each round is ``tui-chat ask --conversation ID`` run in this process (as a script
calling the CLI would), against the model configured in TUI_CHAT_CONFIG.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> None:
    mode, data_dir, conversation_id, tag, rounds, go = sys.argv[1:7]
    Path(f"{go}.{tag}.ready").touch()
    while not Path(go).exists():
        time.sleep(0.005)
    if mode == "store":
        from tui_chat.engine.models import AssistantMessage, UserMessage
        from tui_chat.engine.store.conversation_store import ConversationStore

        store = ConversationStore(Path(data_dir))
        conversation = store.load(conversation_id)
        for number in range(int(rounds)):
            session = conversation.current_session
            session.messages.append(UserMessage(f"{tag} question {number}"))
            store.save(conversation)
            session.messages.append(AssistantMessage(f"{tag} answer {number}", partial=True))
            store.save(conversation)
            session.messages[-1].partial = False
            session.messages[-1].content += " (done)"
            store.save(conversation)
    else:
        from tui_chat import cli

        for number in range(int(rounds)):
            try:
                cli.main(
                    ["--data-dir", data_dir, "ask", "--conversation", conversation_id, f"{tag} q{number}"]
                )
            except SystemExit as exited:
                if exited.code != 0:
                    raise


if __name__ == "__main__":
    main()
