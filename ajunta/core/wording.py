"""Small grammar the interface needs around names: "of <organization>" in the active language.

Catalan elides and contracts: "de l'Ajuntament de Manresa", "del Consell Comarcal del Bages",
"de la Diputació de Soria", "d'Ajunta", "d'Olesa", but "de Huelva" and "de Iàtova" (a semivowel
i/u does not elide). Spanish contracts "de el" into "del": "del Ayuntamiento de Soria", "del
Masnou". A name that begins with a common noun (Ajuntament, Consell...) takes its article.

Translators write "%(of_holder)s" where English has "of %(holder)s": the preposition belongs to
the name, not to the sentence.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import get_language

# Common nouns an organization's name may begin with, and the article each takes.
_CA_ARTICLES = {
    "ajuntament": "l'", "agrupació": "l'", "entitat": "l'", "àrea": "l'", "oficina": "l'",
    "consell": "el ", "consorci": "el ", "institut": "l'", "organisme": "l'",
    "diputació": "la ", "mancomunitat": "la ", "comunitat": "la ", "generalitat": "la ",
    "entitat municipal": "l'",
}  # fmt: skip
_ES_ARTICLES = {
    "ayuntamiento": "el ", "consejo": "el ", "consorcio": "el ", "cabildo": "el ",
    "diputación": "la ", "mancomunidad": "la ", "comarca": "la ", "entidad": "la ",
    "agrupación": "la ", "junta": "la ", "comunidad": "la ",
    # Catalan names in Spanish text: "del Ajuntament de Manresa", "de la Diputació de Lleida"
    "ajuntament": "el ", "consell": "el ", "consorci": "el ", "diputació": "la ",
    "mancomunitat": "la ",
}  # fmt: skip
_VOWELS = "aeiou"


def _base(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower() if char else ""


def _ca_elides(name: str) -> bool:
    """Whether Catalan "de" elides before `name` (a vowel or h + vowel, not a semivowel i/u)."""
    letters = [_base(c) for c in name[:3]]
    if letters and letters[0] == "h":
        letters = letters[1:]
    if not letters or letters[0] not in _VOWELS:
        return False
    # i/u followed by a vowel is a semivowel (Iàtova, Huelva): no elision
    return not (letters[0] in "iu" and len(letters) > 1 and letters[1] in _VOWELS)


def _with_article(name: str, articles: dict[str, str]) -> str:
    first = name.split(" ", 1)[0].lower()
    article = articles.get(first)
    if article is None:
        return name
    return f"{article}{name}"


def _ca_of(name: str) -> str:
    name = _with_article(name, _CA_ARTICLES)
    lower = name.lower()
    for article, contracted in (("el ", "del "), ("els ", "dels ")):
        if lower.startswith(article):
            return contracted + name[len(article) :]
    for article in ("la ", "les ", "l'", "l\u2019"):
        if lower.startswith(article):  # the article is written small in running text
            return "de " + article + name[len(article) :]
    return ("d'" if _ca_elides(name) else "de ") + name


def _es_of(name: str) -> str:
    name = _with_article(name, _ES_ARTICLES)
    if name.lower().startswith("el "):
        return "del " + name[3:]
    return "de " + name


def of_name(name: str, language: str | None = None) -> str:
    """`name` with the preposition "of" of `language` (default: the active one), elided and
    contracted as the language requires: ca "de l'Ajuntament de X", es "del Ayuntamiento de X"."""
    name = (name or "").strip()
    language = (language or get_language() or "ca").split("-")[0]
    if language == "ca":
        return _ca_of(name)
    if language == "es":
        return _es_of(name)
    return f"of {name}"
