"""Audit events written as sentences in the reader's language ("Núria Puig created a ticket").

The audit chain stores codes (`helpdesk.ticket.create`); the words are chosen when the page is
drawn, so each reader sees their own language. An action not in the tables reads as its code.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The last part of an action code: what was done, as a sentence taking the actor and the object.
VERBS: dict[str, Any] = {
    "create": _("%(actor)s created %(object)s"),
    "add": _("%(actor)s added %(object)s"),
    "save": _("%(actor)s saved %(object)s"),
    "set": _("%(actor)s set %(object)s"),
    "assign": _("%(actor)s assigned %(object)s"),
    "close": _("%(actor)s closed %(object)s"),
    "solve": _("%(actor)s solved %(object)s"),
    "status": _("%(actor)s changed the status of %(object)s"),
    "sign": _("%(actor)s signed %(object)s"),
    "open": _("%(actor)s opened %(object)s"),
    "send": _("%(actor)s sent %(object)s"),
    "receive": _("%(actor)s received %(object)s"),
    "accept": _("%(actor)s accepted %(object)s"),
    "grant": _("%(actor)s granted %(object)s"),
    "register": _("%(actor)s registered %(object)s"),
    "store": _("%(actor)s stored %(object)s"),
    "import": _("%(actor)s imported %(object)s"),
}
# The object, by the action's middle part (or the action's first part when it has only two).
OBJECTS: dict[str, Any] = {
    "ticket": _("a ticket"),
    "article": _("a knowledge base article"),
    "category": _("a helpdesk category"),
    "followup": _("a ticket follow-up"),
    "task": _("a task"),
    "case": _("a case file"),
    "decree": _("a decree"),
    "document": _("a document"),
    "notification": _("a notification"),
    "procedure": _("a procedure"),
    "template": _("a document template"),
    "entry": _("a registry entry"),
    "unit": _("a registry unit"),
    "interchange": _("a SIR interchange"),
    "agreement": _("an agreement"),
    "membership": _("a membership"),
    "role": _("a role"),
    "public_page": _("a public page"),
    "training_session": _("a training session"),
    "local_holiday": _("a local holiday"),
    "directory": _("the DIR3 directory"),
}


def sentence(*, action: str, actor: str) -> str:
    """One audit event as a sentence; its code when the tables do not know it."""
    parts = action.split(".")
    verb = VERBS.get(parts[-1])
    noun = OBJECTS.get(parts[-2] if len(parts) >= 2 else "") or OBJECTS.get(parts[0])
    if verb is None or noun is None:
        return gettext("%(actor)s: %(action)s") % {"actor": actor, "action": action}
    return str(verb) % {"actor": actor, "object": noun}


def with_sentences(events: Any) -> list[Any]:
    """The events, each with `.sentence` in the active language (the actor's name as recorded)."""
    rows = list(events)
    for event in rows:
        event.sentence = sentence(
            action=event.action, actor=event.actor_repr or gettext("The system")
        )
    return rows
