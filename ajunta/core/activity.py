"""Store codes, render words: one renderer for history lines and audit events.

What happened is stored as a code with parameters (`AuditEvent.action` + `changes`, an asset's
history line `AssetChange.code` + `changes`) and turned into a sentence in the reader's language
when a page shows it, never when it is written: "Creat a partir d'un inventari" stored as text
would show Catalan to everyone.

Each app registers the sentences of its codes in its AppConfig.ready() (`register_sentences`),
as it registers its permissions. A sentence may use %(actor)s (who did it), %(object)s (what it
was done to, a name or number taken from the parameters) and any parameter by name. A code with
no sentence reads by its last word ("create", "update"...) so that nobody ever sees a raw code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_SENTENCES: dict[str, Promise | str] = {}

# The last word of a code when the code has no sentence of its own.
VERBS: dict[str, Promise] = {
    "create": _("%(actor)s created %(object)s"),
    "add": _("%(actor)s added %(object)s"),
    "save": _("%(actor)s saved %(object)s"),
    "update": _("%(actor)s changed %(object)s"),
    "set": _("%(actor)s changed %(object)s"),
    "remove": _("%(actor)s removed %(object)s"),
    "delete": _("%(actor)s removed %(object)s"),
    "sign": _("%(actor)s signed %(object)s"),
    "send": _("%(actor)s sent %(object)s"),
    "import": _("%(actor)s imported %(object)s"),
    "assign": _("%(actor)s assigned %(object)s"),
    "close": _("%(actor)s closed %(object)s"),
    "complete": _("%(actor)s completed %(object)s"),
}
GENERIC = _("%(actor)s: %(object)s")

# Parameters that name the object, in order of preference.
NAME_KEYS = ("number", "title", "full_name", "name", "subject", "code", "username", "slug")


def register_sentences(sentences: Mapping[str, Promise | str]) -> None:
    """Called from an app's ready(): `{"helpdesk.article.save": _("%(actor)s saved ...")}`."""
    _SENTENCES.update(sentences)


def _plain(value: Any) -> str:
    """A parameter as text: the new value of an [old, new] change, lists joined."""
    if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], list):
        value = value[1]
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def object_label(params: Mapping[str, Any], object_id: str = "") -> str:
    for key in NAME_KEYS:
        if params.get(key) not in (None, "", []):
            return _plain(params[key])
    return f"#{object_id}" if object_id else ""


def sentence(code: str, params: Mapping[str, Any] | None = None, **extra: Any) -> str:
    """The sentence of `code` in the active language, filled with `params` and `extra`."""
    values: dict[str, Any] = {key: _plain(value) for key, value in (params or {}).items()}
    values.update(extra)
    values.setdefault("fields", ", ".join(sorted(params or {})))
    values.setdefault("object", object_label(params or {}))
    values.setdefault("actor", gettext("The system"))
    template = _SENTENCES.get(code) or VERBS.get(code.rsplit(".", 1)[-1].split("_")[-1], GENERIC)
    try:
        return str(template) % _Defaulting(values)
    except (TypeError, ValueError):  # a stored parameter of the wrong type: still a sentence
        return str(GENERIC) % _Defaulting(values)


class _Defaulting(dict):
    """Old events may lack a parameter a newer sentence uses: it reads as empty, not as an error."""

    def __missing__(self, key: str) -> str:
        return ""


def event_sentence(event: Any) -> str:
    """An AuditEvent as a sentence: "Núria Puig saved the article Printers"."""
    return sentence(
        event.action,
        event.changes if isinstance(event.changes, dict) else {},
        actor=event.actor_repr or gettext("The system"),
        object=object_label(
            event.changes if isinstance(event.changes, dict) else {}, event.object_id
        ),
    )
