"""Writes of SIR interchange. Each is atomic and audited; nothing sent or received is edited away:
an interchange only moves on through its states, each step appended to its trace.

- `interchange_send`: an outgoing registry entry leaves for another administration. A member of
  this platform receives it at once in its pending tray; anyone else gets a SICRES 3 file through
  the transport (transport.py).
- `sicres_import`: a SICRES 3 file or message arrives (imported file, gateway): new pending
  interchange, rejection of one we sent, or ACK / confirmation / error of one we sent.
- `interchange_accept` / `_reject` / `_forward`: the receiver decides. Accepting registers an
  incoming entry with the receiver's own number and tells the sender that number.

Every document produced is validated against the XSD before it leaves (sicres.build); every
document received is size-capped, parsed without DTDs or entities, and validated (sicres.parse).
Internal delivery runs the very same path: the receiver parses the bytes the sender built.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ajunta.core.audit import audit_record
from ajunta.core.documents import document_open, document_store, documents_remove_orphan_files
from ajunta.core.models import EniOrigin
from ajunta.core.modules import org_receives_module
from ajunta.core.numbering import next_number
from ajunta.core.tenancy import organization_model
from ajunta.core.validators import ine_check_digit, validate_dir3_code
from ajunta.registry import selectors as registry_selectors
from ajunta.registry import services as registry_services
from ajunta.sir import selectors, sicres
from ajunta.sir.models import (
    Delivery,
    DirectoryEntry,
    DirectoryKind,
    Interchange,
    InterchangeAttachment,
    InterchangeEvent,
    Side,
    State,
)
from ajunta.sir.sicres import SicresError
from ajunta.sir.transport import TransportError, get_transport

logger = logging.getLogger(__name__)

# SIR limits (SICRES 3.0): fixed by the standard, not by this platform.
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 15 * 1024 * 1024
REJECTION_REASON_MAX = 80  # Descripcion_Tipo_Anotacion
DIRECTORY_CSV_MAX_ROWS = 20000
# Canal_Preferente_Comunicacion: 01 postal address, 02 DEH, 03 electronic appearance
CHANNEL_TO_SICRES = {"postal": "01", "electronic": "02", "appearance": "03"}
SICRES_TO_CHANNEL = {code: channel for channel, code in CHANNEL_TO_SICRES.items()}
# What receipt tolerates, recorded on the interchange (`warnings`) and shown in the user's language.
WARNINGS = {
    "limits": gettext_noop(
        "It carries more than this platform's own sending limits (%(detail)s); it was received "
        "all the same, as SIR requires."
    ),
    "not_received": gettext_noop(
        "Attachment %(name)s came without its content: it is kept as described, not received."
    ),
    "hash_mismatch": gettext_noop(
        "The hash of attachment %(name)s does not match its content with SHA-256, SHA-1 or MD5: "
        "it was kept, not verified; check it with the sender before relying on it."
    ),
    "no_party": gettext_noop(
        "No interested party: an entry between administrations, the sender is %(origin)s."
    ),
}


# --- helpers --------------------------------------------------------------------------------------
def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _clean_code(value: str, field: str, *, required: bool = True) -> str:
    code = (value or "").strip().upper()
    if not code:
        if required:
            raise ValidationError({field: _("Give a DIR3 code.")})
        return ""
    try:
        validate_dir3_code(code)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return code


def _step(
    row: Interchange, state: str, *, actor: Any, note: str = "", action: str, **fields: Any
) -> Interchange:
    """Move `row` to `state` (fields too), append the trace step and the audit event."""
    now = timezone.now()
    previous = row.state
    row.state = state
    row.updated_at = now
    for name, value in fields.items():
        setattr(row, name, value)
    if row.pk is None:
        row.save(force_insert=True)
    else:
        row.save(update_fields=["state", "updated_at", *fields])
    InterchangeEvent.objects.create(
        organization_id=row.organization_id, interchange=row, state=state, at=now,
        actor=_user(actor), note=note[:1024],
    )  # fmt: skip
    audit_record(
        org=row.organization, actor=actor, action=action, obj=row,
        changes={"identifier": row.identifier, "state": [previous, state], "note": note,
                 **{k: v for k, v in fields.items() if isinstance(v, str | int | bool)}},
    )  # fmt: skip
    return row


def check_limits(sizes: Iterable[int]) -> None:
    """SIR carries at most 5 attachments, 10 MB each, 15 MB in all."""
    sizes = list(sizes)
    if len(sizes) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("SIR carries at most %(count)d attachments; this entry has %(has)d.")
            % {"count": MAX_ATTACHMENTS, "has": len(sizes)},
            code="sir_limits",
        )
    if any(size > MAX_ATTACHMENT_BYTES for size in sizes):
        raise ValidationError(
            _("SIR carries attachments of at most %(limit)s each.")
            % {"limit": filesizeformat(MAX_ATTACHMENT_BYTES)},
            code="sir_limits",
        )
    if sum(sizes) > MAX_TOTAL_BYTES:
        raise ValidationError(
            _("SIR carries at most %(limit)s of attachments in all.")
            % {"limit": filesizeformat(MAX_TOTAL_BYTES)},
            code="sir_limits",
        )


def _read_document(org: Any, document: Any) -> bytes:
    with document_open(org=org, document=document) as handle:
        data: bytes = handle.read()
    return data


def _extension(name: str) -> str:
    extension = "".join(c for c in name.rsplit(".", 1)[-1] if c.isalnum()) if "." in name else ""
    return extension[:5].lower() or "bin"


# --- registry entry <-> SICRES content ------------------------------------------------------------
def _party_fields(party: Any, suffix: str) -> dict[str, str]:
    legal = party.person_type == "legal"
    return {
        f"Tipo_Documento_Identificacion_{suffix}": party.id_type,
        f"Documento_Identificacion_{suffix}": party.id_number,
        f"Razon_Social_{suffix}": party.name if legal else party.company_name,
        f"Nombre_{suffix}": "" if legal else party.name,
        f"Primer_Apellido_{suffix}": "" if legal else party.first_surname,
        f"Segundo_Apellido_{suffix}": "" if legal else party.second_surname,
        f"Pais_{suffix}": party.country_code,
        f"Provincia_{suffix}": party.province_code,
        f"Municipio_{suffix}": party.municipality_ine[:5],
        f"Direccion_{suffix}": party.address,
        f"Codigo_Postal_{suffix}": party.postal_code,
        f"Correo_Electronico_{suffix}": party.email,
        f"Telefono_Contacto_{suffix}": party.phone,
        f"Direccion_Electronica_Habilitada_{suffix}": party.deh_email,
        f"Canal_Preferente_Comunicacion_{suffix}": CHANNEL_TO_SICRES.get(
            party.preferred_channel, ""
        ),
    }


def _drop_unusable_channels(row: dict[str, str]) -> None:
    """A preferred channel the standard cannot honour without its data (a postal address, a DEH
    address) is left out rather than sent: receivers refuse such a party (0037)."""
    for suffix in ("Interesado", "Representante"):
        key = f"Canal_Preferente_Comunicacion_{suffix}"
        channel = row.get(key, "")
        postal_ok = bool(row.get(f"Pais_{suffix}") and row.get(f"Direccion_{suffix}")) and (
            row.get(f"Pais_{suffix}") not in sicres.SPAIN
            or bool(row.get(f"Codigo_Postal_{suffix}"))
            or bool(row.get(f"Provincia_{suffix}") and row.get(f"Municipio_{suffix}"))
        )
        if (channel == "01" and not postal_ok) or (
            channel == "02" and not row.get(f"Direccion_Electronica_Habilitada_{suffix}")
        ):
            row[key] = ""


def _parties_to_sicres(parties: list[Any]) -> list[dict[str, str]]:
    """One De_Interesado per interested party, with the first representative acting for it."""
    rows = []
    for party in parties:
        if party.role != "interested":
            continue
        row = _party_fields(party, "Interesado")
        representative = next((p for p in parties if p.represents_id == party.pk), None)
        if representative is not None:
            row.update(_party_fields(representative, "Representante"))
        row["Observaciones"] = party.observations
        _drop_unusable_channels(row)
        rows.append(row)
    return rows or [{}]  # SICRES needs one De_Interesado, even an empty one


def _one_party_from_sicres(raw: dict[str, str], suffix: str) -> dict[str, Any] | None:
    number = raw.get(f"Documento_Identificacion_{suffix}", "")
    company = raw.get(f"Razon_Social_{suffix}", "")
    name = raw.get(f"Nombre_{suffix}", "")
    if not (number or company or name):
        return None
    municipality = raw.get(f"Municipio_{suffix}", "")
    if len(municipality) == 5 and municipality.isdigit():
        municipality += ine_check_digit(municipality)
    elif municipality and not (len(municipality) == 6 and municipality.isdigit()):
        municipality = ""
    # A person's name AND a company name (a person acting for a firm): both are kept, the person
    # as the party, the firm as its company name. Only a company name: a legal person.
    legal = bool(company) and not name
    return {
        "person_type": "legal" if legal else "natural",
        "id_type": raw.get(f"Tipo_Documento_Identificacion_{suffix}", "") or "X",
        "id_number": number,
        "name": company if legal else name,
        "company_name": "" if legal else company,
        "first_surname": "" if legal else raw.get(f"Primer_Apellido_{suffix}", ""),
        "second_surname": "" if legal else raw.get(f"Segundo_Apellido_{suffix}", ""),
        "address": raw.get(f"Direccion_{suffix}", ""),
        "postal_code": raw.get(f"Codigo_Postal_{suffix}", ""),
        "municipality_ine": municipality,
        "province_code": raw.get(f"Provincia_{suffix}", ""),
        "country_code": raw.get(f"Pais_{suffix}", ""),
        "email": raw.get(f"Correo_Electronico_{suffix}", ""),
        "phone": raw.get(f"Telefono_Contacto_{suffix}", ""),
        "deh_email": raw.get(f"Direccion_Electronica_Habilitada_{suffix}", ""),
        "preferred_channel": SICRES_TO_CHANNEL.get(
            raw.get(f"Canal_Preferente_Comunicacion_{suffix}", ""), ""
        ),
    }


def parties_from_sicres(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Registry parties (registry_entry_create's shape) from the De_Interesado segments."""
    parties: list[dict[str, Any]] = []
    for raw in rows:
        interested = _one_party_from_sicres(raw, "Interesado")
        if interested is None:
            continue
        parties.append(
            {**interested, "role": "interested", "observations": raw.get("Observaciones", "")}
        )
        representative = _one_party_from_sicres(raw, "Representante")
        if representative is not None:
            parties.append(
                {**representative, "role": "representative", "represents": len(parties) - 1}
            )
    return parties


def _entry_content(
    org: Any, entry: Any, *, identifier: str, office: str, destination_code: str,
    destination_unit_code: str, actor: Any, is_test: bool,
) -> dict[str, Any]:  # fmt: skip
    unit = entry.destination_unit
    return {
        "De_Origen_o_Remitente": {
            "Codigo_Entidad_Registral_Origen": office,
            "Decodificacion_Entidad_Registral_Origen": (
                selectors.name_of_code(org=org, code=office) or org.name
            )[:80],
            "Numero_Registro_Entrada": entry.number,
            "Fecha_Hora_Entrada": sicres.format_date(entry.filed_at),
            "Codigo_Unidad_Tramitacion_Origen": unit.dir3_code if unit else "",
            "Decodificacion_Unidad_Tramitacion_Origen": unit.name[:80] if unit else "",
        },
        "De_Destino": {
            "Codigo_Entidad_Registral_Destino": destination_code,
            "Decodificacion_Entidad_Registral_Destino": selectors.name_of_code(
                org=org, code=destination_code
            )[:80],
            "Codigo_Unidad_Tramitacion_Destino": destination_unit_code,
            "Decodificacion_Unidad_Tramitacion_Destino": selectors.name_of_code(
                org=org, code=destination_unit_code
            )[:80],
        },
        "De_Interesado": _parties_to_sicres(list(entry.parties.all())),
        "De_Asunto": {
            "Resumen": entry.summary,
            "Referencia_Externa": entry.external_reference,
            "Numero_Expediente": entry.case_reference,
        },
        "De_Internos_Control": {
            "Nombre_Usuario": (actor.get_full_name() or actor.get_username())[:80]
            if _user(actor)
            else "",
            "Contacto_Usuario": (getattr(actor, "email", "") or "")[:160],
            "Identificador_Intercambio": identifier,
            "Aplicacion_Version_Emisora": sicres.APPLICATION_VERSION,
            "Tipo_Anotacion": sicres.ANNOTATION_SEND,
            "Descripcion_Tipo_Anotacion": entry.epigraph[:80],
            "Tipo_Registro": "1",  # an outgoing entry of the sender (0 would be incoming)
            "Documentacion_Fisica": "1" if entry.physical_documentation else "3",
            "Indicador_Prueba": "1" if is_test else "0",
            "Codigo_Entidad_Registral_Inicio": office,
            "Decodificacion_Entidad_Registral_Inicio": (
                selectors.name_of_code(org=org, code=office) or org.name
            )[:80],
        },
        "De_Formulario_Generico": {"Expone": entry.expone, "Solicita": entry.solicita},
    }


def _annex(
    identifier: str, position: int, *, name: str, data: bytes, validity: str, kind: str,
    content_type: str,
) -> dict[str, str]:  # fmt: skip
    name = sicres.FORBIDDEN_NAME_CHARACTERS.sub("_", name) or "document"
    if len(content_type) > 20 or sicres.mime_contradicts(content_type, name):
        content_type = ""  # optional: better none than one receivers refuse
    return {
        "Nombre_Fichero_Anexado": name[:80],
        "Identificador_Fichero": f"{identifier}_01_{position:04d}.{_extension(name)}"[:50],
        "Validez_Documento": validity,
        "Tipo_Documento": kind,
        "Hash": sicres.content_hash(data),
        "Tipo_MIME": content_type,
        "Anexo": base64.b64encode(data).decode("ascii"),
    }


def _build_or_refuse(root: str, content: dict[str, Any]) -> bytes:
    try:
        return sicres.build(root, content)
    except ValueError as exc:
        raise ValidationError(
            _("This cannot travel by SIR: %(error)s") % {"error": exc}, code="sicres"
        ) from exc


def _not_receiving_sir(member: Any) -> str:
    """Why `member` cannot take interchanges, or "" when it can. Only an agreement in force that
    includes the SIR module lets an interchange in: one without it, or none on record, would
    leave it in a tray nobody there can open (core.modules.org_receives_module)."""
    if org_receives_module(member, "sir"):
        return ""
    return _(
        "%(name)s does not receive SIR interchanges on this platform: no agreement in force "
        "includes the SIR module. Ask the provider to add it, or send the entry another way."
    ) % {"name": member.name}


def _check_receives_sir(member: Any) -> None:
    reason = _not_receiving_sir(member) if member is not None else ""
    if reason:
        raise ValidationError({"destination_code": reason})


# --- sending --------------------------------------------------------------------------------------
@transaction.atomic
def interchange_send(
    *,
    org: Any,
    actor: Any,
    entry: Any,
    destination_code: str,
    destination_unit_code: str = "",
    is_test: bool = False,
) -> Interchange:
    """Send an outgoing registry entry of `org` to another administration by its DIR3 code."""
    destination_code = _clean_code(destination_code, "destination_code")
    destination_unit_code = _clean_code(
        destination_unit_code, "destination_unit_code", required=False
    )
    try:
        entry = registry_selectors.entry_get(org=org, pk=entry.pk)
    except ObjectDoesNotExist as exc:
        raise ValidationError({"entry": _("Choose an outgoing entry of this registry.")}) from exc
    if entry.direction != "out" or entry.status != "registered":
        raise ValidationError({"entry": _("Only a registered outgoing entry can be sent.")})
    if selectors.sendable_entries(org=org).filter(pk=entry.pk).count() == 0:
        raise ValidationError({"entry": _("This entry is already on its way or delivered.")})
    office = selectors.office_code_of(org=org)
    if not office:
        raise ValidationError(
            _("This organization has no DIR3 code nor registry office: set one before sending."),
            code="no_office",
        )
    if destination_code in selectors.own_codes(org=org):
        raise ValidationError({"destination_code": _("That is this organization's own code.")})
    attachments = list(entry.attachments.all())
    check_limits(a.document.size for a in attachments)
    member = selectors.member_for_code(destination_code)
    _check_receives_sir(member)  # before a number is taken: a refusal leaves nothing behind

    year = timezone.localdate().year
    sequence = next_number(org=org, series="sir.interchange", year=year)
    identifier = f"{office}_{year % 100:02d}_{sequence:08d}"
    content = _entry_content(
        org, entry, identifier=identifier, office=office, destination_code=destination_code,
        destination_unit_code=destination_unit_code, actor=actor, is_test=is_test,
    )  # fmt: skip
    content["De_Anexo"] = [
        _annex(identifier, i, name=a.document.name, data=_read_document(org, a.document),
               validity=a.validity, kind=a.kind, content_type=a.document.content_type)
        for i, a in enumerate(attachments, start=1)
    ]  # fmt: skip
    xml = _build_or_refuse(sicres.INTERCHANGE_ROOT, content)
    row = Interchange(
        organization=org, side=Side.OUT, identifier=identifier,
        delivery=Delivery.INTERNAL if member is not None else Delivery.EXTERNAL,
        origin_code=office,
        origin_name=content["De_Origen_o_Remitente"]["Decodificacion_Entidad_Registral_Origen"],
        origin_unit_code=content["De_Origen_o_Remitente"]["Codigo_Unidad_Tramitacion_Origen"],
        origin_entry_number=entry.number, origin_entry_at=entry.filed_at,
        destination_code=destination_code,
        destination_name=content["De_Destino"]["Decodificacion_Entidad_Registral_Destino"],
        destination_unit_code=destination_unit_code, summary=entry.summary, entry=entry,
        is_test=is_test, created_by=_user(actor),
    )  # fmt: skip
    _step(row, State.SENT, actor=actor, action="sir.interchange.send",
          note=_("Sent to %(code)s.") % {"code": destination_code})  # fmt: skip
    if member is not None and member.pk != org.pk:
        _deliver_internally(member, xml)
        row.refresh_from_db()  # the member's ACK (or error) has moved it on already
    else:
        _send_external(org, row, kind="interchange", content=xml, destination=destination_code)
    return row


def _deliver_internally(member: Any, xml: bytes) -> None:
    """Hand a document to a member: it reads the bytes as if they had come from the gateway.

    A refusal of an interchange file becomes an error message to its sender, as SIR would send.
    A refused message, or an error message nobody can take, is logged: the action that caused it
    (an acceptance, a rejection) stands, as it would with a remote registry.
    """
    try:
        with transaction.atomic():
            sicres_import(org=member, actor=None, xml=xml, delivery=Delivery.INTERNAL)
        return
    except SicresError as error:
        refusal = error
    _root, content = sicres.parse(xml)
    logger.warning("SIR: %s refused internally (%s): %s", member, refusal.code, refusal.message)
    if "De_Internos_Control" not in content:
        return
    sender = selectors.member_for_code(
        content["De_Internos_Control"]["Codigo_Entidad_Registral_Inicio"]
    )
    if sender is None:
        return
    message = _message(
        content, sicres.MESSAGE_ERROR, description=refusal.message_for_sir,
        error_code=refusal.code,
    )  # fmt: skip
    try:
        with transaction.atomic():
            sicres_import(org=sender, actor=None, xml=message, delivery=Delivery.INTERNAL)
    except SicresError as error:
        logger.error("SIR: error message for %s not taken: %s", sender, error.message)


def _send_external(
    org: Any, row: Interchange, *, kind: str, content: bytes, destination: str
) -> None:
    """Hand a document to the transport once the transaction commits.

    An interchange file (our send, rejection or forward) is first stored on the row with the mark
    `handover_pending`, in the same transaction: if the worker dies before handing it over, the
    sweep (core.sweep, kind "sir.handover") hands the stored file over later, once. A transport
    that refuses it moves the interchange to `error` so staff see it. A message (ACK,
    confirmation, error) is only logged when it fails: the sender may ask SIR for the state."""
    identifier = row.identifier
    if kind != "interchange":

        def send_message() -> None:
            try:
                reference = get_transport().send(
                    kind=kind, identifier=identifier, destination_code=destination,
                    content=content,
                )  # fmt: skip
                logger.info("SIR %s %s handed over: %s", kind, identifier, reference)
            except TransportError as exc:
                logger.error("SIR %s %s not handed over: %s", kind, identifier, exc)

        transaction.on_commit(send_message)
        return
    row.sicres_file.save(f"{identifier}.xml", ContentFile(content), save=False)
    row.handover_pending = True
    row.handed_over_at = None
    row.handover_reference = ""
    row.save(update_fields=["sicres_file", "handover_pending", "handed_over_at",
                            "handover_reference"])  # fmt: skip
    pk = row.pk

    def hand_over() -> None:
        try:
            interchange_hand_over(org=org, pk=pk)
        except TransportError as exc:
            with transaction.atomic():
                failed = Interchange.objects.select_for_update().get(organization=org, pk=pk)
                failed.handover_pending = False
                failed.save(update_fields=["handover_pending"])
                _step(failed, State.ERROR, actor=None, action="sir.interchange.error",
                      note=_("The transport failed: %(error)s") % {"error": exc})  # fmt: skip

    transaction.on_commit(hand_over)


@transaction.atomic
def interchange_hand_over(*, org: Any, pk: int) -> Interchange:
    """Hand the stored SICRES file of interchange `pk` to the transport, if it still waits.

    Idempotent: the row lock and the mark make a second call (the sweep beside the normal worker)
    do nothing. A TransportError leaves the mark set and propagates (the sweep counts it and
    alerts the provider after SWEEP_ALERT_AFTER_ATTEMPTS). If the process dies after the transport
    took the file but before this commits, the file is handed over again: SIR receivers answer a
    repeated identifier with the ACK again (0205), so a duplicate is harmless."""
    row = Interchange.objects.select_for_update().get(organization=org, pk=pk)
    if not row.handover_pending:
        return row
    with row.sicres_file.open("rb") as handle:
        content = handle.read()
    _root, parsed = sicres.parse(content)
    reference = get_transport().send(
        kind="interchange", identifier=row.identifier, destination_code=addressee_code(parsed),
        content=content,
    )  # fmt: skip
    row.handover_pending = False
    row.handed_over_at = timezone.now()
    row.handover_reference = str(reference)[:255]
    row.save(update_fields=["handover_pending", "handed_over_at", "handover_reference"])
    logger.info("SIR interchange %s handed over: %s", row.identifier, reference)
    return row


def handovers_pending(*, before: Any, limit: int) -> list[Interchange]:
    """Interchange files marked for hand-over before `before` and still not handed over."""
    return list(
        Interchange.objects.filter(handover_pending=True, updated_at__lt=before)
        .select_related("organization")
        .order_by("updated_at", "pk")[:limit]
    )


def handover_sweep(row: Interchange) -> Interchange:
    """The sweep's finish: hand over what a dead worker left (core.sweep)."""
    return interchange_hand_over(org=row.organization, pk=row.pk)


def _message(
    content: dict[str, Any], kind: str, *, description: str = "", number: str = "",
    at: str = "", error_code: str = "",
) -> bytes:  # fmt: skip
    """A De_Mensaje answering the interchange `content`, addressed to its sender."""
    control = content["De_Internos_Control"]
    return sicres.build(
        sicres.MESSAGE_ROOT,
        {
            "Codigo_Entidad_Registral_Origen": content["De_Destino"][
                "Codigo_Entidad_Registral_Destino"
            ],
            "Codigo_Entidad_Registral_Destino": control["Codigo_Entidad_Registral_Inicio"],
            "Identificador_Intercambio": control["Identificador_Intercambio"],
            "Tipo_Mensaje": kind,
            "Descripcion_Mensaje": description[:1024],
            "Numero_Registro_Entrada_Destino": number,
            "Fecha_Hora_Entrada_Destino": at,
            "Indicador_Prueba": control["Indicador_Prueba"],
            "Identificador_Fichero": [
                a["Identificador_Fichero"] for a in content.get("De_Anexo", [])
            ][:10],
            "Codigo_Error": error_code,
        },
    )


def _answer(org: Any, row: Interchange, message: bytes) -> None:
    """Send a message back to the sender of the incoming `row`: directly to a member, else out."""
    sender = selectors.member_for_code(
        row.content.get("De_Internos_Control", {}).get("Codigo_Entidad_Registral_Inicio", "")
    )
    if sender is not None and sender.pk != org.pk:
        _deliver_internally(sender, message)
    else:
        _send_external(org, row, kind="message", content=message, destination=row.origin_code)


# --- receiving ------------------------------------------------------------------------------------
def sicres_import(
    *, org: Any, actor: Any, xml: bytes, delivery: str = Delivery.FILE
) -> Interchange:
    """Take in a SICRES 3 document addressed to `org`: all of it, or nothing (SicresError).

    An interchange file (send or forward) waits in the pending tray; a rejection file closes the
    interchange `org` sent; a message (ACK, confirmation, error) moves it on. A refused file sent
    from outside is answered with an error message through the transport.
    """
    root, content = sicres.parse(xml)
    if root == sicres.MESSAGE_ROOT:
        return _take_message(org, actor, content)
    stored: list[str] = []
    try:
        try:
            with transaction.atomic():
                return _take_interchange(org, actor, content, delivery, stored)
        except IntegrityError as exc:  # the same interchange arriving twice at the same moment
            raise sicres.refusal(
                sicres.ERROR_DUPLICATE,
                gettext_noop("Interchange %(identifier)s has already arrived here."),
                identifier=content["De_Internos_Control"]["Identificador_Intercambio"],
            ) from exc
    except SicresError as error:
        documents_remove_orphan_files(stored)
        if delivery != Delivery.INTERNAL:
            _refusal_to_sender(content, error)
        raise
    except BaseException:
        documents_remove_orphan_files(stored)
        raise


def _refusal_to_sender(content: dict[str, Any], error: SicresError) -> None:
    """Tell an outside sender, through the transport, why its file was refused (in Spanish, with
    the standard's code). A duplicate is answered with the ACK again, as RegWeb3 does: the sender
    missed the first one."""
    try:
        if error.code == sicres.ERROR_DUPLICATE:
            message = _message(content, sicres.MESSAGE_ACK)
        else:
            message = _message(
                content, sicres.MESSAGE_ERROR, description=error.message_for_sir,
                error_code=error.code,
            )  # fmt: skip
        control = content["De_Internos_Control"]
        get_transport().send(
            kind="message", identifier=control["Identificador_Intercambio"],
            destination_code=control["Codigo_Entidad_Registral_Inicio"], content=message,
        )  # fmt: skip
    except (ValueError, KeyError, TransportError) as exc:
        logger.error("SIR: could not send the error message for a refused file: %s", exc)


def _take_interchange(
    org: Any, actor: Any, content: dict[str, Any], delivery: str, stored: list[str]
) -> Interchange:
    control = content["De_Internos_Control"]
    identifier = control["Identificador_Intercambio"]
    annotation = control["Tipo_Anotacion"]
    destination = content["De_Destino"]["Codigo_Entidad_Registral_Destino"]
    sicres.check_interchange(content)
    if annotation == sicres.ANNOTATION_REJECT:
        return _take_rejection(org, actor, content)
    if annotation not in (
        sicres.ANNOTATION_PENDING, sicres.ANNOTATION_SEND, sicres.ANNOTATION_FORWARD
    ):  # fmt: skip
        raise sicres.refusal(
            sicres.ERROR_XML, gettext_noop("Unknown annotation type %(type)s."),
            type=annotation[:2],
        )  # fmt: skip
    if destination not in selectors.own_codes(org=org):
        raise sicres.refusal(
            sicres.ERROR_ENTRY,  # as the certification plan answers an unknown destination
            gettext_noop("The file is addressed to %(code)s, which is not this organization."),
            code=destination,
        )
    if not org_receives_module(org, "sir"):  # refused with the reason, as SIR would answer
        raise sicres.refusal(
            sicres.ERROR_UNREACHABLE,
            gettext_noop(
                "%(name)s does not receive SIR interchanges on this platform: no agreement in "
                "force includes the SIR module."
            ),
            name=org.name,
        )
    if selectors.in_interchange_exists(org=org, identifier=identifier):
        raise sicres.refusal(
            sicres.ERROR_DUPLICATE,
            gettext_noop("Interchange %(identifier)s has already arrived here."),
            identifier=identifier,
        )
    origin = content["De_Origen_o_Remitente"]
    annexes = content.get("De_Anexo", [])
    warnings: list[dict[str, Any]] = []
    blobs: list[bytes | None] = []
    hashes: list[tuple[str, str]] = []
    for annex in annexes:
        name = annex["Nombre_Fichero_Anexado"]
        data = sicres.decode_base64(annex.get("Anexo", ""), "Anexo")
        if not data:
            # Not inline (sent apart, or too large for the sender's gateway): described only.
            blobs.append(None)
            hashes.append(("", ""))
            warnings.append({"code": "not_received", "params": {"name": name}})
            continue
        matched = sicres.match_hash(data, annex.get("Hash", ""))
        if matched is None and not getattr(settings, "SIR_REFUSE_HASH_MISMATCH", False):
            # The SIR certification plan expects such files taken in (the sender may hash the
            # signed original, or another form): kept, and shown as not verified.
            blobs.append(data)
            hashes.append(("", "mismatch"))
            warnings.append({"code": "hash_mismatch", "params": {"name": name}})
            continue
        if matched is None:
            raise sicres.refusal(
                sicres.ERROR_ATTACHMENTS,
                gettext_noop(
                    "The hash of attachment %(name)s does not match its content (SHA-256, "
                    "SHA-1 and MD5 were tried, raw or hex, in base64)."
                ),
                name=name,
            )
        blobs.append(data)
        hashes.append(matched)
    try:
        check_limits(len(b) for b in blobs if b is not None)
    except ValidationError as exc:  # our limits are for what we send, never for what we receive
        warnings.append({"code": "limits", "params": {"detail": _limits_detail(exc)}})
    if not parties_from_sicres(content.get("De_Interesado", [])):
        warnings.append(
            {"code": "no_party", "params": {"origin": origin["Codigo_Entidad_Registral_Origen"]}}
        )
    row = Interchange(
        organization=org, side=Side.IN, identifier=identifier, delivery=delivery,
        annotation_type=annotation,
        origin_code=origin["Codigo_Entidad_Registral_Origen"],
        origin_name=origin.get("Decodificacion_Entidad_Registral_Origen", ""),
        origin_unit_code=origin.get("Codigo_Unidad_Tramitacion_Origen", ""),
        origin_entry_number=origin["Numero_Registro_Entrada"],
        origin_entry_at=sicres.parse_date(origin["Fecha_Hora_Entrada"]),
        destination_code=destination,
        destination_name=content["De_Destino"].get("Decodificacion_Entidad_Registral_Destino", ""),
        destination_unit_code=content["De_Destino"].get("Codigo_Unidad_Tramitacion_Destino", ""),
        summary=content["De_Asunto"]["Resumen"],
        # Keep everything but the attachments' bytes, which become stored documents below.
        content={**content, "De_Anexo": [
            {k: v for k, v in a.items() if k not in sicres.BASE64_FIELDS or k == "Hash"}
            for a in annexes
        ]},
        is_test=control["Indicador_Prueba"] == "1", created_by=_user(actor), warnings=warnings,
    )  # fmt: skip
    note = (
        _("Forwarded to us by %(code)s.") if annotation == sicres.ANNOTATION_FORWARD
        else _("Received from %(code)s.")
    ) % {"code": row.origin_code}  # fmt: skip
    _step(row, State.RECEIVED, actor=actor, action="sir.interchange.receive", note=note)
    for position, (annex, blob, (algorithm, encoding)) in enumerate(
        zip(annexes, blobs, hashes, strict=True)
    ):
        document = None
        if blob is not None:
            try:
                document = document_store(
                    org=org, actor=actor, origin=EniOrigin.ADMINISTRATION,
                    uploaded_file=ContentFile(blob, name=annex["Nombre_Fichero_Anexado"]),
                )  # fmt: skip
            except ValidationError as exc:  # a refused type, a polyglot, malware: the law's
                raise sicres.refusal(
                    sicres.ERROR_ATTACHMENTS, "%(name)s: %(errors)s",
                    name=annex["Nombre_Fichero_Anexado"], errors=" ".join(exc.messages),
                ) from exc  # fmt: skip
            stored.append(document.file.name)
        InterchangeAttachment.objects.create(
            organization=org, interchange=row, document=document, position=position,
            file_identifier=annex["Identificador_Fichero"],
            validity=annex.get("Validez_Documento", ""), kind=annex["Tipo_Documento"],
            name=annex["Nombre_Fichero_Anexado"][:80], content_type=annex.get("Tipo_MIME", ""),
            signs_file_identifier=annex.get("Identificador_Documento_Firmado", ""),
            hash_algorithm=algorithm, hash_encoding=encoding,
        )  # fmt: skip
    _answer(org, row, _message(content, sicres.MESSAGE_ACK))
    return row


def _limits_detail(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def warning_texts(row: Interchange) -> list[str]:
    """The warnings recorded on receipt, in the active language."""
    texts = []
    for warning in row.warnings or []:
        template = WARNINGS.get(str(warning.get("code", "")))
        if template is not None:
            texts.append(_(template) % warning.get("params", {}))
    return texts


def _own_out_row(org: Any, identifier: str) -> Interchange:
    row = selectors.out_interchange_by_identifier(org=org, identifier=identifier)
    if row is None:
        raise sicres.refusal(
            sicres.ERROR_ENTRY,
            gettext_noop("No interchange %(identifier)s was sent from here."),
            identifier=identifier,
        )
    return Interchange.objects.select_for_update().get(organization=org, pk=row.pk)


def _answered_in_row(org: Any, identifier: str) -> Interchange | None:
    """The interchange we received and sent on (rejected or forwarded): messages may answer it."""
    return (
        Interchange.objects.select_for_update()
        .filter(organization=org, side=Side.IN, identifier=identifier,
                state__in=(State.REJECTED, State.FORWARDED))
        .order_by("-id")
        .first()
    )  # fmt: skip


def _take_rejection(org: Any, actor: Any, content: dict[str, Any]) -> Interchange:
    control = content["De_Internos_Control"]
    row = _own_out_row(org, control["Identificador_Intercambio"])
    if row.state in (State.ACCEPTED, State.REJECTED):
        raise sicres.refusal(
            sicres.ERROR_ENTRY, gettext_noop("This interchange was already closed as %(state)s."),
            state=row.state,
        )  # fmt: skip
    reason = control.get("Descripcion_Tipo_Anotacion", "") or control.get(
        "Observaciones_Apunte", ""
    )
    by = content.get("De_Origen_o_Remitente", {}).get("Codigo_Entidad_Registral_Origen", "")
    note = _("Rejected by %(code)s: %(reason)s") % {"code": by, "reason": reason} if by else reason
    return _step(row, State.REJECTED, actor=actor, action="sir.interchange.rejected",
                 note=note, reason=reason)  # fmt: skip


def _take_message(org: Any, actor: Any, message: dict[str, str]) -> Interchange:
    with transaction.atomic():
        kind = message["Tipo_Mensaje"]
        identifier = message["Identificador_Intercambio"]
        if selectors.out_interchange_by_identifier(org=org, identifier=identifier) is None:
            # An answer to a rejection or forward of ours: an ACK needs nothing, an error shows.
            answered = _answered_in_row(org, identifier)
            if answered is not None and kind == sicres.MESSAGE_ACK:
                return answered
            if answered is not None and kind == sicres.MESSAGE_ERROR:
                description = message.get("Descripcion_Mensaje", "")
                return _step(answered, State.ERROR, actor=actor, action="sir.interchange.error",
                             note=description, reason=description,
                             error_code=message.get("Codigo_Error", ""))  # fmt: skip
        row = _own_out_row(org, identifier)
        if kind == sicres.MESSAGE_ACK:
            if row.state != State.SENT:
                return row  # a late or repeated ACK changes nothing
            return _step(row, State.ACKNOWLEDGED, actor=actor, action="sir.interchange.ack",
                         note=_("Received by %(code)s.") % {"code": message["Codigo_Entidad_Registral_Origen"]})  # fmt: skip
        if kind == sicres.MESSAGE_CONFIRMATION:
            number = message.get("Numero_Registro_Entrada_Destino", "")
            at = message.get("Fecha_Hora_Entrada_Destino", "")
            return _step(
                row, State.ACCEPTED, actor=actor, action="sir.interchange.confirmed",
                note=_("Accepted by %(code)s as %(number)s.")
                % {"code": message["Codigo_Entidad_Registral_Origen"], "number": number},
                destination_entry_number=number,
                destination_entry_at=sicres.parse_date(at) if at else None,
            )  # fmt: skip
        if kind == sicres.MESSAGE_ERROR:
            description = message.get("Descripcion_Mensaje", "")
            return _step(row, State.ERROR, actor=actor, action="sir.interchange.error",
                         note=description, reason=description,
                         error_code=message.get("Codigo_Error", ""))  # fmt: skip
        raise sicres.refusal(
            sicres.ERROR_XML, gettext_noop("Unknown message type %(type)s."), type=kind[:2]
        )


# --- the receiver decides -------------------------------------------------------------------------
def _pending(org: Any, interchange: Interchange) -> Interchange:
    row = Interchange.objects.select_for_update().get(organization=org, pk=interchange.pk)
    if not row.is_pending:
        raise ValidationError(
            _("This interchange is no longer pending (%(state)s).")
            % {"state": row.get_state_display()},
            code="not_pending",
        )
    return row


def _register_incoming(
    org: Any, actor: Any, row: Interchange, files: list[dict[str, Any]], destination_unit: Any
) -> Any:
    content = row.content
    subject = content.get("De_Asunto", {})
    control = content.get("De_Internos_Control", {})
    return registry_services.registry_entry_create(
        org=org, actor=actor, direction="in", channel="sir",
        epigraph=(control.get("Descripcion_Tipo_Anotacion") or "SIR")[:240],
        summary=row.summary, parties=parties_from_sicres(content.get("De_Interesado", [])),
        attachments=files,
        expone=content.get("De_Formulario_Generico", {}).get("Expone", ""),
        solicita=content.get("De_Formulario_Generico", {}).get("Solicita", ""),
        addressee_name=(row.destination_name or org.name)[:200],
        destination_unit=destination_unit,
        physical_documentation=control.get("Documentacion_Fisica") in ("1", "2"),
        external_reference=f"{row.origin_entry_number}"[:80],
        case_reference=subject.get("Numero_Expediente", "")[:80], from_registry=True,
    )  # fmt: skip


@transaction.atomic
def interchange_accept(
    *, org: Any, actor: Any, interchange: Interchange, destination_unit: Any = None
) -> Interchange:
    """Register the pending interchange as an incoming entry with this registry's own number,
    and confirm that number to the sender."""
    row = _pending(org, interchange)
    content = row.content
    if destination_unit is None and row.destination_unit_code:
        # Addressed to one of our units by its DIR3 code: route it there.
        destination_unit = (
            registry_selectors.units(org=org, active_only=True)
            .filter(dir3_code=row.destination_unit_code)
            .first()
        )
    files = [
        {"file": ContentFile(_read_document(org, a.document), name=a.document.name),
         "validity": a.validity or "01", "kind": a.kind if a.kind in ("01", "02", "03") else "02"}
        for a in row.attachments.select_related("document").order_by("position")
        if a.document is not None  # described only: stays listed on the interchange
    ]  # fmt: skip
    try:
        entry = _register_incoming(org, actor, row, files, destination_unit)
    except ValidationError as exc:
        # Say which rule of the registry the received data breaks (a party without a valid
        # identity document, a refused file): staff then reject or forward it instead.
        raise ValidationError(
            _("The registry cannot register it: %(errors)s") % {"errors": " ".join(exc.messages)},
            code="registry_refused",
        ) from exc
    if len(entry.number) > 20:
        raise ValidationError(
            _("SICRES carries entry numbers of at most 20 characters; shorten the number format."),
            code="number_too_long",
        )
    _step(row, State.ACCEPTED, actor=actor, action="sir.interchange.accept",
          note=_("Registered as %(number)s.") % {"number": entry.number},
          entry=entry, destination_entry_number=entry.number,
          destination_entry_at=entry.filed_at)  # fmt: skip
    _answer(org, row, _message(content, sicres.MESSAGE_CONFIRMATION, number=entry.number,
                               at=sicres.format_date(entry.filed_at)))  # fmt: skip
    return row


def _resend_content(org: Any, row: Interchange) -> dict[str, Any]:
    """The received content again with its attachments' bytes, to return or pass it on."""
    content = {**row.content}
    annexes = []
    for attachment, annex in zip(
        row.attachments.select_related("document").order_by("position"),
        content.get("De_Anexo", []),
        strict=False,
    ):
        if attachment.document is None:  # never received: passed on as described
            annexes.append({k: v for k, v in annex.items() if k != "Anexo"})
            continue
        data = _read_document(org, attachment.document)
        annexes.append({**annex, "Anexo": base64.b64encode(data).decode("ascii")})
    content["De_Anexo"] = annexes
    return content


def _from_us(org: Any, actor: Any, content: dict[str, Any], row: Interchange) -> None:
    """A rejection or forward leaves from us: our office as its origin (the entry number and date
    stay the original sender's, the only registration there is), our user and application."""
    office = selectors.office_code_of(org=org) or row.destination_code
    content["De_Origen_o_Remitente"] = {
        **content["De_Origen_o_Remitente"],
        "Codigo_Entidad_Registral_Origen": office,
        "Decodificacion_Entidad_Registral_Origen": (
            selectors.name_of_code(org=org, code=office) or org.name
        )[:80],
    }
    content["De_Internos_Control"] = {
        **content["De_Internos_Control"],
        "Nombre_Usuario": (actor.get_full_name() or actor.get_username())[:80]
        if _user(actor)
        else "",
        "Contacto_Usuario": (getattr(actor, "email", "") or "")[:160],
        "Aplicacion_Version_Emisora": sicres.APPLICATION_VERSION,
    }


@transaction.atomic
def interchange_reject(
    *, org: Any, actor: Any, interchange: Interchange, reason: str
) -> Interchange:
    """Return the pending interchange to its sender with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    if len(reason) > REJECTION_REASON_MAX:
        raise ValidationError(
            {
                "reason": _("At most %(limit)d characters (SICRES).")
                % {"limit": REJECTION_REASON_MAX}
            }
        )
    row = _pending(org, interchange)
    content = _resend_content(org, row)
    control = content["De_Internos_Control"]
    _from_us(org, actor, content, row)
    content["De_Destino"] = {
        "Codigo_Entidad_Registral_Destino": control["Codigo_Entidad_Registral_Inicio"],
        "Decodificacion_Entidad_Registral_Destino": control.get(
            "Decodificacion_Entidad_Registral_Inicio", ""
        ),
    }
    content["De_Internos_Control"] = {
        **content["De_Internos_Control"], "Tipo_Anotacion": sicres.ANNOTATION_REJECT,
        "Descripcion_Tipo_Anotacion": reason,
    }  # fmt: skip
    xml = _build_or_refuse(sicres.INTERCHANGE_ROOT, content)
    _step(row, State.REJECTED, actor=actor, action="sir.interchange.reject", note=reason,
          reason=reason)  # fmt: skip
    sender = selectors.member_for_code(control["Codigo_Entidad_Registral_Inicio"])
    if sender is not None and sender.pk != org.pk:
        _deliver_internally(sender, xml)
    else:
        _send_external(org, row, kind="interchange", content=xml,
                       destination=control["Codigo_Entidad_Registral_Inicio"])  # fmt: skip
    return row


@transaction.atomic
def interchange_forward(
    *, org: Any, actor: Any, interchange: Interchange, destination_code: str,
    destination_unit_code: str = "", reason: str = "",
) -> Interchange:  # fmt: skip
    """Pass the pending interchange on to a third office, which answers the original sender."""
    destination_code = _clean_code(destination_code, "destination_code")
    destination_unit_code = _clean_code(
        destination_unit_code, "destination_unit_code", required=False
    )
    reason = (reason or "").strip()[:REJECTION_REASON_MAX]
    if destination_code in selectors.own_codes(org=org):
        raise ValidationError({"destination_code": _("That is this organization's own code.")})
    row = _pending(org, interchange)
    member = selectors.member_for_code(destination_code)
    _check_receives_sir(member)
    if destination_code in (
        row.origin_code,
        row.content["De_Internos_Control"]["Codigo_Entidad_Registral_Inicio"],
    ):
        raise ValidationError({"destination_code": _("To send it back to its sender, reject it.")})
    content = _resend_content(org, row)
    _from_us(org, actor, content, row)
    content["De_Destino"] = {
        "Codigo_Entidad_Registral_Destino": destination_code,
        "Decodificacion_Entidad_Registral_Destino": selectors.name_of_code(
            org=org, code=destination_code
        )[:80],
        "Codigo_Unidad_Tramitacion_Destino": destination_unit_code,
    }
    content["De_Internos_Control"] = {
        **content["De_Internos_Control"], "Tipo_Anotacion": sicres.ANNOTATION_FORWARD,
        "Descripcion_Tipo_Anotacion": reason,
    }  # fmt: skip
    xml = _build_or_refuse(sicres.INTERCHANGE_ROOT, content)
    note = _("Forwarded to %(code)s.") % {"code": destination_code}
    _step(row, State.FORWARDED, actor=actor, action="sir.interchange.forward",
          note=f"{note} {reason}".strip())  # fmt: skip
    if member is not None:
        _deliver_internally(member, xml)
    else:
        _send_external(org, row, kind="interchange", content=xml, destination=destination_code)
    # The original sender, when a member, sees where its entry went (SIR shows it as a state).
    sender = selectors.member_for_code(
        row.content["De_Internos_Control"]["Codigo_Entidad_Registral_Inicio"]
    )
    if sender is not None and sender.pk != org.pk:
        original = selectors.out_interchange_by_identifier(org=sender, identifier=row.identifier)
        if original is not None and original.state in (State.SENT, State.ACKNOWLEDGED):
            _step(original, State.FORWARDED, actor=None, action="sir.interchange.forwarded",
                  note=note)  # fmt: skip
    return row


# --- DIR3 directory -------------------------------------------------------------------------------
@transaction.atomic
def directory_entry_add(
    *, org: Any, actor: Any, kind: str, code: str, name: str, parent_code: str = "",
    is_own: bool = False,
) -> DirectoryEntry:  # fmt: skip
    """Add an office or unit to `org`'s directory; `is_own` when it is one of `org`'s own."""
    row = DirectoryEntry(
        organization=org, kind=kind, code=(code or "").strip().upper(),
        name=(name or "").strip(), parent_code=(parent_code or "").strip().upper(), is_own=is_own,
    )  # fmt: skip
    row.full_clean(validate_constraints=False)
    if DirectoryEntry.objects.filter(organization=org, code=row.code).exists():
        raise ValidationError({"code": _("This code is already in the directory.")})
    if is_own and (
        DirectoryEntry.objects.filter(code=row.code, is_own=True).exists()
        or organization_model().objects.filter(dir3_code=row.code).exclude(pk=org.pk).exists()
    ):
        # Deliveries to an own code go to this organization: never capture another member's.
        raise ValidationError({"code": _("Another member already uses this code.")})
    row.save(force_insert=True)
    audit_record(org=org, actor=actor, action="sir.directory.add", obj=row,
                 changes={"code": row.code, "name": row.name, "kind": kind, "is_own": is_own})  # fmt: skip
    return row


@transaction.atomic
def directory_import_csv(*, org: Any, actor: Any, data: bytes) -> int:
    """Add or rename external offices and units from a CSV with the header `code,name,kind,parent`
    (kind: office or unit; parent optional). Every row is checked first: all rows, or none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": _("The CSV must be UTF-8 text.")}) from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"code", "name"} <= set(reader.fieldnames):
        raise ValidationError(
            {"file": _("The first line must name the columns code,name,kind,parent.")}
        )
    rows: dict[str, tuple[str, str, str]] = {}
    for line, raw in enumerate(reader, start=2):
        if len(rows) >= DIRECTORY_CSV_MAX_ROWS:
            raise ValidationError(
                {"file": _("At most %(count)d rows at once.") % {"count": DIRECTORY_CSV_MAX_ROWS}}
            )
        code = (raw.get("code") or "").strip().upper()
        name = (raw.get("name") or "").strip()
        kind = (raw.get("kind") or DirectoryKind.OFFICE).strip().lower()
        parent = (raw.get("parent") or "").strip().upper()
        try:
            validate_dir3_code(code)
        except ValidationError as exc:
            raise ValidationError(
                {"file": _("Line %(line)d: %(error)s") % {"line": line, "error": exc.messages[0]}}
            ) from exc
        if not name or len(name) > 80 or kind not in DirectoryKind.values or len(parent) > 9:
            raise ValidationError(
                {
                    "file": _(
                        "Line %(line)d: give a name (at most 80 characters) and a kind, office or unit."
                    )
                    % {"line": line}
                }
            )
        rows[code] = (name, kind, parent)
    existing = {r.code: r for r in DirectoryEntry.objects.filter(organization=org, code__in=rows)}
    for code, (name, kind, parent) in rows.items():
        found = existing.get(code)
        if found is None:
            DirectoryEntry.objects.create(
                organization=org, code=code, name=name, kind=kind, parent_code=parent
            )
        elif (found.name, found.kind, found.parent_code) != (
            name,
            kind,
            parent,
        ) and not found.is_own:
            found.name, found.kind, found.parent_code = name, kind, parent
            found.save(update_fields=["name", "kind", "parent_code"])
    audit_record(org=org, actor=actor, action="sir.directory.import", object_type="sir.directoryentry",
                 changes={"rows": len(rows), "new": len(set(rows) - set(existing))})  # fmt: skip
    return len(rows)


# --- the gateway's inbox --------------------------------------------------------------------------
def addressee_code(content: dict[str, Any]) -> str:
    """The DIR3 code a parsed SICRES document is addressed to."""
    if "De_Destino" in content:
        if content.get("De_Internos_Control", {}).get("Tipo_Anotacion") == sicres.ANNOTATION_REJECT:
            return str(content["De_Internos_Control"]["Codigo_Entidad_Registral_Inicio"])
        return str(content["De_Destino"]["Codigo_Entidad_Registral_Destino"])
    return str(content.get("Codigo_Entidad_Registral_Destino", ""))


def sicres_route(*, xml: bytes) -> Interchange:
    """Deliver a SICRES document from the gateway to the member it is addressed to."""
    _root, content = sicres.parse(xml)
    code = addressee_code(content)
    member = selectors.member_for_code(code)
    if member is None:
        raise sicres.refusal(
            sicres.ERROR_ENTRY,
            gettext_noop("No member of this platform has the DIR3 code %(code)s."),
            code=code,
        )
    return sicres_import(org=member, actor=None, xml=xml, delivery=Delivery.EXTERNAL)


def inbox_dir() -> Path:
    return Path(getattr(settings, "SIR_INBOX_DIR", Path(settings.MEDIA_ROOT) / "sir-inbox"))


def sir_inbox_process() -> dict[str, int]:
    """Take in every `*.xml` waiting in SIR_INBOX_DIR, oldest first. Each file is moved to
    `done/` once taken in, or to `refused/` beside a `.txt` saying why; a file is never read
    twice. Run by the Celery task and by `manage.py sir_inbox`."""
    folder = inbox_dir()
    report = {"done": 0, "refused": 0}
    if not folder.is_dir():
        return report
    for sub in ("done", "refused"):
        (folder / sub).mkdir(exist_ok=True)
    for path in sorted(folder.glob("*.xml"), key=lambda p: (p.stat().st_mtime, p.name)):
        try:
            with path.open("rb") as handle:
                xml = handle.read(sicres.max_xml_bytes() + 1)
            sicres_route(xml=xml)
        except SicresError as error:
            report["refused"] += 1
            (folder / "refused" / f"{path.name}.txt").write_text(
                f"{error.code} {error.message}\n", encoding="utf-8"
            )
            path.replace(folder / "refused" / path.name)
            logger.warning("SIR inbox: %s refused (%s): %s", path.name, error.code, error.message)
        except ValidationError as error:
            report["refused"] += 1
            (folder / "refused" / f"{path.name}.txt").write_text(
                " ".join(error.messages) + "\n", encoding="utf-8"
            )
            path.replace(folder / "refused" / path.name)
        else:
            report["done"] += 1
            path.replace(folder / "done" / path.name)
    return report


@transaction.atomic
def directory_publish_units(*, org: Any, actor: Any) -> int:
    """Declare `org`'s active registry units that have a DIR3 code as its own processing units,
    so that other members find them and interchanges addressed to them are delivered here."""
    published = 0
    taken = set(DirectoryEntry.objects.filter(is_own=True).values_list("code", flat=True))
    for unit in registry_selectors.units(org=org, active_only=True).exclude(dir3_code=""):
        if unit.dir3_code in taken:
            continue
        directory_entry_add(org=org, actor=actor, kind=DirectoryKind.UNIT, code=unit.dir3_code,
                            name=unit.name[:80], parent_code=org.dir3_code, is_own=True)  # fmt: skip
        published += 1
    return published
