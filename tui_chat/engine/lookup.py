"""Which conversation a person means: an exact ID, a unique prefix of one, or ``last``.

One rule for every front end (the CLI's ID arguments, the REST server, the TUI's "go to"), applied by
:meth:`Workspace.resolve <tui_chat.engine.workspace.Workspace.resolve>` to the list rows, newest first.
IDs look like ``chat-<user>-<YYYYMMDD-HHMMSS>-<4 hex>`` (``ConversationStore.new_id``): a prefix may
leave out the constant ``chat-<user>-`` head, so ``20261201-0954`` names a conversation started then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tui_chat.engine.errors import AmbiguousConversation, ConversationNotFound
from tui_chat.engine.models import ConversationSummary
from tui_chat.i18n import _, ngettext

LATEST = "last"
AMBIGUOUS_SHOWN = 10
"""How many of the candidates an ambiguous prefix's message lists (all are in ``candidates``)."""

_ID_HEAD = re.compile(r"^chat-.*?-(?=\d{8}-\d{6}-)")
"""The constant ``chat-<user>-`` head of an ID, which a prefix may leave out (``20261201-0954``)."""


def resolve_id(summaries: Sequence[ConversationSummary], text: str) -> str:
    """The ID of the conversation ``text`` names among ``summaries`` (newest first).

    ``last``: the newest (damaged or not). An exact ID wins over prefixes of longer IDs. Raises
    :class:`ConversationNotFound` when nothing matches and :class:`AmbiguousConversation` (naming the
    first candidates) when a prefix matches several.
    """
    wanted = text.strip()
    if wanted == LATEST:
        if not summaries:
            raise ConversationNotFound(_("There are no conversations yet, so there is no 'last' one."))
        return summaries[0].id
    ids = [summary.id for summary in summaries]
    if wanted in ids:
        return wanted
    matches = (
        [i for i in ids if i.startswith(wanted) or _ID_HEAD.sub("", i).startswith(wanted)] if wanted else []
    )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConversationNotFound(_("There is no conversation {id}.").format(id=wanted or repr(text)))
    shown = "\n  ".join(matches[:AMBIGUOUS_SHOWN])
    left = len(matches) - AMBIGUOUS_SHOWN
    more = "\n  " + ngettext("… and {n} more", "… and {n} more", left).format(n=left) if left > 0 else ""
    said = ngettext(
        "'{prefix}' matches {n} conversation; give more of the ID:",
        "'{prefix}' matches {n} conversations; give more of the ID:",
        len(matches),
    ).format(prefix=wanted, n=len(matches))
    raise AmbiguousConversation(f"{said}\n  {shown}{more}", candidates=matches)
