"""Writes of the citizens' side: citizen accounts and the filing of an application.

A citizen is a User with no role. Local accounts log in with their e-mail address; accounts that
come from an identity provider (VÀLid, Cl@ve, Keycloak: see `ajunta.portal.oidc`) have no local
password. Staff may file as citizens too: a filing is always the filer's own.

An application is an incoming registry entry of the chosen municipality, filed online by the
citizen with the citizen as its interested party (`registry.services.registry_entry_create`, which
refuses a filing completely: no entry, no number, no file). Account writes go to the platform's
audit chain; the filing itself to the municipality's.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from stdnum.es import cif, nie, nif
from stdnum.exceptions import ValidationError as NumberError

from ajunta.core.audit import audit_record
from ajunta.core.models import User
from ajunta.registry import services as registry_services
from ajunta.registry.models import IdType, PersonType, PreferredChannel, RegistryEntry
from ajunta.tenants.models import OrganizationKind

NAME_MAX_LENGTH = 80  # SICRES Nombre / Razon_Social
SURNAME_MAX_LENGTH = 30  # SICRES Primer_Apellido, Segundo_Apellido
SUMMARY_MAX_LENGTH = 240
# Words that belong to the surname after them ("de la Fuente"), and the conjunction between two
# surnames ("Puig i Cadafalch", "Ortega y Gasset").
SURNAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "les", "el", "da", "das", "do", "dos", "van", "von"}
)
SURNAME_CONJUNCTIONS = frozenset({"i", "y"})


# --- identity ----------------------------------------------------------------------------------
def citizen_id_clean(value: str) -> tuple[str, str]:
    """A person's NIF (DNI, K/L/M) or NIE, normalized, and its SICRES type. ValidationError if not."""
    number = nif.compact(value or "")
    if not number:
        raise ValidationError(_("Give your NIF or NIE."), code="required")
    try:
        if number[0] in "XYZ":
            return nie.validate(number), IdType.NIE
        if number[0].isdigit() or number[0] in "KLM":
            return nif.validate(number), IdType.NIF
        cif.validate(number)
    except NumberError as error:
        raise ValidationError(
            _("This NIF/NIE is not valid: check the digits and the letter."), code="invalid"
        ) from error
    raise ValidationError(
        _("Give the NIF or NIE of a person: a company files through its representative."),
        code="not_a_person",
    )


def split_surnames(surnames: str) -> tuple[str, str]:
    """'García López' -> ('García', 'López'); 'de la Fuente Puig' -> ('de la Fuente', 'Puig');
    'Puig i Cadafalch' -> ('Puig', 'Cadafalch'). One surname leaves the second empty."""
    groups: list[str] = []
    pending: list[str] = []
    for word in surnames.split():
        lower = word.lower()
        if lower in SURNAME_CONJUNCTIONS and groups and not pending:
            continue
        if lower in SURNAME_PARTICLES:
            pending.append(word)
            continue
        groups.append(" ".join([*pending, word]))
        pending = []
    if pending:
        groups.append(" ".join(pending))
    if not groups:
        return "", ""
    return groups[0], " ".join(groups[1:])


def surnames_check(surnames: str) -> None:
    """ValidationError unless the surnames fit the registry's two fields of 30 characters."""
    first, second = split_surnames(surnames)
    if not first:
        raise ValidationError(_("Give at least your first surname."), code="required")
    if len(first) > SURNAME_MAX_LENGTH or len(second) > SURNAME_MAX_LENGTH:
        raise ValidationError(
            _("Each surname may have at most %(limit)d characters.")
            % {"limit": SURNAME_MAX_LENGTH},
            code="max_length",
        )


def email_in_use(email: str, *, exclude: Any = None) -> bool:
    """Another account already has this e-mail address (or uses it as its user name)."""
    users = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def nif_in_use(number: str, *, exclude: Any = None) -> bool:
    users = User.objects.filter(nif=number)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


def citizen_missing_identity(user: Any) -> set[str]:
    """What a filing still needs to know about `user`: of "nif", "first_name", "surnames"."""
    missing = set()
    try:
        citizen_id_clean(user.nif)
    except ValidationError:
        missing.add("nif")
    if not user.first_name.strip():
        missing.add("first_name")
    try:
        surnames_check(user.last_name)
    except ValidationError:
        missing.add("surnames")
    return missing


def _clean_identity(
    *, first_name: str, surnames: str, nif_value: str, new_nif: bool = True, exclude: Any = None
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {
        "first_name": " ".join((first_name or "").split()),
        "last_name": " ".join((surnames or "").split()),
    }
    if not cleaned["first_name"]:
        errors["first_name"] = _("Give your first name.")
    elif len(cleaned["first_name"]) > NAME_MAX_LENGTH:
        errors["first_name"] = _("At most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}
    try:
        surnames_check(cleaned["last_name"])
    except ValidationError as error:
        errors["surnames"] = error.messages[0]
    try:
        cleaned["nif"], _id_type = citizen_id_clean(nif_value)
    except ValidationError as error:
        errors["nif"] = error.messages[0]
    else:
        if new_nif and nif_in_use(cleaned["nif"], exclude=exclude):
            errors["nif"] = _(
                "An account with this NIF/NIE already exists. Log in, or reset its password."
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- accounts ----------------------------------------------------------------------------------
@transaction.atomic
def citizen_signup(*, first_name: str, surnames: str, nif: str, email: str, password: str) -> User:
    """Open a citizen's local account (no role). They log in with their e-mail address."""
    cleaned = _clean_identity(first_name=first_name, surnames=surnames, nif_value=nif)
    email = User.objects.normalize_email((email or "").strip())
    username = email.lower()
    if not email:
        raise ValidationError({"email": _("Give your e-mail address.")})
    if email_in_use(email):
        raise ValidationError({"email": _(
            "An account with this e-mail address already exists. Log in, or reset its password."
        )})  # fmt: skip
    user = User(username=username, email=email, **cleaned)
    language = translation.get_language() or ""
    if language in dict(User._meta.get_field("preferred_language").choices or ()):
        user.preferred_language = language
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from error
    user.set_password(password)
    user.save(force_insert=True)
    audit_record(
        org=None, actor=user, action="portal.citizen.signup", obj=user,
        changes={"username": username, "nif": user.nif},
    )  # fmt: skip
    return user


@transaction.atomic
def citizen_create_from_identity(
    *, nif: str, email: str, first_name: str, surnames: str, provider: str
) -> User:
    """A citizen's account for a person an identity provider vouched for; no local password."""
    user = User(
        username=f"oidc-{secrets.token_hex(8)}",
        email=email if email and not email_in_use(email) else "",
        first_name=first_name[:150],
        last_name=surnames[:150],
        nif=nif if nif and not nif_in_use(nif) else "",
    )
    user.set_unusable_password()
    user.save(force_insert=True)
    audit_record(
        org=None, actor=user, action="portal.citizen.create_from_identity", obj=user,
        changes={"username": user.username, "nif": user.nif, "email": user.email, "provider": provider},
    )  # fmt: skip
    return user


@transaction.atomic
def citizen_update_from_identity(
    *, user: User, nif: str, email: str, first_name: str, surnames: str, provider: str
) -> User:
    """Bring the account in line with what the identity provider says now.

    Names follow the provider; the e-mail too unless another account has it; the NIF is only
    filled in, never replaced (it is how the next login finds this account).
    """
    changes: dict[str, Any] = {}
    wanted = {"first_name": first_name[:150], "last_name": surnames[:150]}
    if email and not email_in_use(email, exclude=user):
        wanted["email"] = email
    if nif and not user.nif and not nif_in_use(nif, exclude=user):
        wanted["nif"] = nif
    for field, value in wanted.items():
        if value and getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    if changes:
        user.save(update_fields=list(changes))
        audit_record(
            org=None, actor=user, action="portal.citizen.update_from_identity", obj=user,
            changes={**changes, "provider": provider},
        )  # fmt: skip
    return user


# --- applications --------------------------------------------------------------------------------
def application_file(
    *,
    citizen: User,
    org: Any,
    epigraph: str,
    expone: str,
    solicita: str,
    summary: str = "",
    attachments: Sequence[Any] = (),
    nif: str = "",
    first_name: str = "",
    surnames: str = "",
    idempotency_key: str = "",
) -> RegistryEntry:
    """File an application with the municipality `org`: the citizen is the interested party.

    `nif`, `first_name` and `surnames` are read only when the citizen's profile lacks them (see
    `citizen_missing_identity`); after the filing succeeds they are kept in the profile.
    `attachments` are uploaded files. Any refusal raises ValidationError and leaves nothing behind.
    """
    if getattr(org, "kind", None) != OrganizationKind.MUNICIPALITY:
        raise ValidationError({"municipality": _("Choose one of the member municipalities.")})
    missing = citizen_missing_identity(citizen)
    identity = _clean_identity(
        first_name=first_name if "first_name" in missing else citizen.first_name,
        surnames=surnames if "surnames" in missing else citizen.last_name,
        nif_value=nif if "nif" in missing else citizen.nif,
        new_nif="nif" in missing,
        exclude=citizen,
    )
    id_number, id_type = citizen_id_clean(identity["nif"])
    first_surname, second_surname = split_surnames(identity["last_name"])
    party = {
        "person_type": PersonType.NATURAL,
        "id_type": id_type,
        "id_number": id_number,
        "name": identity["first_name"],
        "first_surname": first_surname,
        "second_surname": second_surname,
        "email": citizen.email,
        "phone": citizen.phone,
        "preferred_channel": PreferredChannel.ELECTRONIC,
    }
    summary = " ".join((summary or "").split()) or Truncator(" ".join(solicita.split())).chars(
        SUMMARY_MAX_LENGTH
    )
    entry = registry_services.registry_entry_create(
        org=org,
        actor=citizen,
        direction="in",
        channel="electronic",
        epigraph=epigraph,
        summary=summary,
        expone=expone,
        solicita=solicita,
        parties=[party],
        attachments=[{"file": upload} for upload in attachments],
        filer=citizen,
        idempotency_key=idempotency_key,
    )
    _profile_complete(citizen, identity, missing)
    return entry


@transaction.atomic
def _profile_complete(citizen: User, identity: dict[str, Any], missing: set[str]) -> None:
    fields = {"nif": "nif", "first_name": "first_name", "surnames": "last_name"}
    changes = {}
    for name in missing:
        field = fields[name]
        if getattr(citizen, field) != identity[field]:
            changes[field] = [getattr(citizen, field), identity[field]]
            setattr(citizen, field, identity[field])
    if changes:
        citizen.save(update_fields=list(changes))
        audit_record(org=None, actor=citizen, action="portal.citizen.profile_complete",
                     obj=citizen, changes=changes)  # fmt: skip
