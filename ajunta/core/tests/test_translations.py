"""The Catalan and Spanish catalogues: complete, compiled, and actually used by the pages.

English is the source language, so only `ca` and `es` are checked for completeness. A failure
here usually means someone added a string and forgot `makemessages`, the translation, or
`compilemessages` (the .mo files are committed: a laptop may have no gettext).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase
from django.utils import translation

from ajunta.core.models import EniDocumentType, Role

SHARED_LOCALE_DIR = Path(settings.LOCALE_PATHS[-1])
# The shared catalogue plus each app's own (ajunta/<app>/locale) once it holds one.
LOCALE_DIRS = [
    Path(d)
    for d in settings.LOCALE_PATHS
    if Path(d) == SHARED_LOCALE_DIR or any(Path(d).glob("*/*/*.po"))
]
TRANSLATED_LANGUAGES = ("ca", "es")
LOGIN = "/accounts/login/"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_ESCAPE_RE = re.compile(r"\\(.)")
_KEYWORD_RE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
_PLACEHOLDER_RE = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


@dataclass
class PoEntry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"Not a quoted PO string: {text!r}")
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[PoEntry]:
    """The entries of a .po file: multi-line strings, contexts, plurals and flags.

    Obsolete entries (`#~`) and previous-msgid comments (`#|`) are ignored.
    """
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    keyword: str | None = None

    def finish() -> None:
        nonlocal entry, keyword
        if entry is not None:
            entries.append(entry)
        entry, keyword = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if keyword is not None and keyword != "msgctxt":  # a comment starts a new entry
                finish()
            if entry is None:
                entry = PoEntry(line=number)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        match = _KEYWORD_RE.match(line)
        if match:
            name, value = match.group(1), _unquote(match.group(2))
            if (
                name in ("msgctxt", "msgid")
                and keyword is not None
                and keyword.startswith("msgstr")
            ):
                finish()  # a new entry without a blank line before it
            if entry is None:
                entry = PoEntry(line=number)
            keyword = name
            if name == "msgctxt":
                entry.msgctxt = value
            elif name == "msgid":
                entry.msgid, entry.line = value, number
            elif name == "msgid_plural":
                entry.msgid_plural = value
            else:
                entry.msgstr[int(name[7:-1]) if "[" in name else 0] = value
            continue
        if line.startswith('"') and entry is not None and keyword is not None:
            value = _unquote(line)
            if keyword == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif keyword == "msgid":
                entry.msgid += value
            elif keyword == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                index = int(keyword[7:-1]) if "[" in keyword else 0
                entry.msgstr[index] += value
            continue
        raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return [e for e in entries if e.msgid or e.msgctxt is not None or e.msgstr]


def po_path(language: str, locale_dir: Path) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def mo_catalog(language: str, locale_dir: Path) -> dict:
    path = locale_dir / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as handle:
        # The raw catalogue: the public gettext() cannot tell "missing" from "same as msgid".
        return gettext.GNUTranslations(handle)._catalog


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER_RE.findall(text.replace("%%", "")))


def catalogues(languages: tuple[str, ...]) -> list[tuple[Path, str]]:
    return [(locale_dir, language) for locale_dir in LOCALE_DIRS for language in languages]


class CatalogueTests(SimpleTestCase):
    def test_catalogues_exist(self) -> None:
        for locale_dir, language in catalogues(("ca", "es", "en")):
            with self.subTest(language=language, catalogue=str(locale_dir)):
                path = po_path(language, locale_dir)
                self.assertTrue(path.is_file(), f"{path} is missing")
                self.assertTrue(
                    path.with_suffix(".mo").is_file(),
                    f"{language}: django.mo is missing; run compilemessages",
                )

    def test_every_entry_is_translated_and_not_fuzzy(self) -> None:
        for locale_dir, language in catalogues(TRANSLATED_LANGUAGES):
            with self.subTest(language=language, catalogue=str(locale_dir)):
                entries = parse_po(po_path(language, locale_dir))
                self.assertGreater(len(entries), 10, "the catalogue looks empty")
                problems = []
                for entry in entries:
                    if "fuzzy" in entry.flags:
                        problems.append(f"fuzzy: {entry.label}")
                    if entry.is_header:
                        continue
                    expected = (
                        range(len(entry.msgstr) or 1) if entry.msgid_plural is not None else [0]
                    )
                    if any(not entry.msgstr.get(index) for index in expected):
                        problems.append(f"untranslated: {entry.label}")
                self.assertEqual(
                    problems, [], f"{po_path(language, locale_dir)}:\n" + "\n".join(problems)
                )

    def test_plural_entries_have_every_form(self) -> None:
        for locale_dir, language in catalogues(TRANSLATED_LANGUAGES):
            with self.subTest(language=language, catalogue=str(locale_dir)):
                entries = parse_po(po_path(language, locale_dir))
                header = next(e for e in entries if e.is_header).msgstr[0]
                match = re.search(r"nplurals\s*=\s*(\d+)", header)
                self.assertIsNotNone(match, "the header has no Plural-Forms")
                nplurals = int(match.group(1))  # type: ignore[union-attr]
                short = [
                    entry.label
                    for entry in entries
                    if entry.msgid_plural is not None and len(entry.msgstr) != nplurals
                ]
                self.assertEqual(short, [], f"{language}: entries without {nplurals} forms")

    def test_placeholders_are_kept(self) -> None:
        for locale_dir, language in catalogues(TRANSLATED_LANGUAGES):
            with self.subTest(language=language, catalogue=str(locale_dir)):
                wrong = []
                for entry in parse_po(po_path(language, locale_dir)):
                    if entry.is_header or "python-format" not in entry.flags:
                        continue
                    sources = [entry.msgid, entry.msgid_plural or entry.msgid]
                    for index, text in entry.msgstr.items():
                        source = sources[0] if index == 0 else sources[1]
                        if text and placeholders(text) != placeholders(source):
                            wrong.append(f"{entry.label} msgstr[{index}] = {text!r}")
                self.assertEqual(wrong, [], f"{language}: placeholders differ")

    def test_compiled_catalogue_matches_po(self) -> None:
        for locale_dir, language in catalogues(TRANSLATED_LANGUAGES):
            with self.subTest(language=language, catalogue=str(locale_dir)):
                catalog = mo_catalog(language, locale_dir)
                stale = []
                for entry in parse_po(po_path(language, locale_dir)):
                    if entry.is_header or "fuzzy" in entry.flags:
                        continue
                    key = (
                        entry.msgid
                        if entry.msgctxt is None
                        else f"{entry.msgctxt}\x04{entry.msgid}"
                    )
                    if entry.msgid_plural is None:
                        wanted = {key: entry.msgstr.get(0, "")}
                    else:
                        wanted = {(key, i): text for i, text in entry.msgstr.items()}
                    for mo_key, text in wanted.items():
                        if text and catalog.get(mo_key) != text:
                            stale.append(f"{entry.label}: .mo has {catalog.get(mo_key)!r}")
                self.assertEqual(
                    stale, [], f"{language}: django.mo is out of date; run compilemessages"
                )


class SharedMsgidTests(SimpleTestCase):
    def test_an_app_catalogue_translates_a_shared_msgid_as_the_shared_one_does(self) -> None:
        """App catalogues come first at run time: a different translation there would change
        the shared string on every page (e.g. a filter label of the registry)."""
        for language in TRANSLATED_LANGUAGES:
            shared = {
                (e.msgctxt, e.msgid): e.msgstr
                for e in parse_po(po_path(language, SHARED_LOCALE_DIR))
                if not e.is_header
            }
            for locale_dir in LOCALE_DIRS:
                if locale_dir == SHARED_LOCALE_DIR:
                    continue
                with self.subTest(language=language, catalogue=str(locale_dir)):
                    differ = [
                        f"{e.label}: {e.msgstr} != {shared[e.msgctxt, e.msgid]}"
                        for e in parse_po(po_path(language, locale_dir))
                        if not e.is_header
                        and (e.msgctxt, e.msgid) in shared
                        and e.msgstr != shared[e.msgctxt, e.msgid]
                    ]
                    self.assertEqual(differ, [])


class ActiveTranslationTests(SimpleTestCase):
    EXPECTED = {
        "ca": {
            "Log in": "Inicieu la sessió",
            "Dashboard": "Tauler",
            "Documents": "Documents",
            "Audit log": "Historial d'auditoria",
            "Business day": "Dia hàbil",
        },
        "es": {
            "Log in": "Inicie sesión",
            "Dashboard": "Panel",
            "Documents": "Documentos",
            "Audit log": "Historial de auditoría",
            "Business day": "Día hábil",
        },
    }
    ROLES = {
        "ca": {
            Role.MUNICIPAL_ADMIN: "Administrador/a municipal (secretaria)",
            Role.ELECTED_MEMBER: "Càrrec electe",
            Role.PROVIDER_ADMIN: "Administrador/a de l'ens proveïdor",
        },
        "es": {
            Role.MUNICIPAL_ADMIN: "Administrador/a municipal (secretaría)",
            Role.ELECTED_MEMBER: "Cargo electo",
            Role.PROVIDER_ADMIN: "Administrador/a de la entidad proveedora",
        },
    }

    def test_ui_strings(self) -> None:
        for language, strings in self.EXPECTED.items():
            for source, expected in strings.items():
                with self.subTest(language=language, source=source), translation.override(language):
                    self.assertEqual(translation.gettext(source), expected)

    def test_role_labels(self) -> None:
        for language, roles in self.ROLES.items():
            for role, expected in roles.items():
                with self.subTest(language=language, role=role), translation.override(language):
                    self.assertEqual(str(role.label), expected)

    def test_every_role_and_eni_type_label_is_translated(self) -> None:
        for language in TRANSLATED_LANGUAGES:
            with translation.override(language):
                for choices in (Role, EniDocumentType):
                    for member in choices:
                        with self.subTest(language=language, choice=member.value):
                            label = str(member.label)
                            with translation.override("en"):
                                source = str(member.label)
                            self.assertNotEqual(label, source)

    def test_english_is_the_source(self) -> None:
        with translation.override("en"):
            self.assertEqual(translation.gettext("Log in"), "Log in")
            self.assertEqual(str(Role.ELECTED_MEMBER.label), "Elected member")


class LoginPageLanguageTests(SimpleTestCase):
    def test_spanish_from_accept_language(self) -> None:
        response = self.client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="es")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="es">')
        self.assertContains(response, "<h1>Inicie sesión en Ajunta</h1>", html=False)
        self.assertContains(response, ">Inicie sesión</button>")
        self.assertNotContains(response, "Log in")

    def test_catalan_by_default(self) -> None:
        response = self.client.get(LOGIN)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="ca">')
        self.assertContains(response, "<h1>Inicieu la sessió a Ajunta</h1>")
        self.assertContains(response, ">Inicieu la sessió</button>")
        self.assertNotContains(response, "Log in")

    def test_english_when_asked(self) -> None:
        response = self.client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "<h1>Log in to Ajunta</h1>")
