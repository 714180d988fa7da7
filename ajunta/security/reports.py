"""What the module hands out: an incident in the fields the national CERT's notification platform
takes (CCN-CERT LUCÍA, whose public guide CCN-STIC 817 lists them), an incident report PDF, and the
ENS statement of applicability PDF.

LUCÍA has no published import schema: the JSON below names its notification form's fields as the
guide does (Spanish keys, the taxonomy of CCN-STIC 817) so that a technician can copy them, and an
integration can map them, without retyping. Its shape is versioned (`formato`).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.core.pdf import PdfBuilder
from ajunta.security import clocks, ens
from ajunta.security.models import IncidentCategory, IncidentLevel

LUCIA_FORMAT = "ajunta-lucia-1"
# CCN-STIC 817's taxonomy class, as LUCÍA's form names it.
LUCIA_CLASS = {
    IncidentCategory.ABUSIVE: "Contenido abusivo",
    IncidentCategory.MALWARE: "Contenido dañino",
    IncidentCategory.GATHERING: "Obtención de información",
    IncidentCategory.INTRUSION_ATTEMPT: "Intento de intrusión",
    IncidentCategory.INTRUSION: "Intrusión",
    IncidentCategory.AVAILABILITY: "Disponibilidad",
    IncidentCategory.INFORMATION: "Compromiso de la información",
    IncidentCategory.FRAUD: "Fraude",
    IncidentCategory.VULNERABLE: "Vulnerable",
    IncidentCategory.OTHER: "Otros",
}
LUCIA_LEVEL = {
    IncidentLevel.LOW: "BAJO",
    IncidentLevel.MEDIUM: "MEDIO",
    IncidentLevel.HIGH: "ALTO",
    IncidentLevel.VERY_HIGH: "MUY ALTO",
    IncidentLevel.CRITICAL: "CRÍTICO",
}
LUCIA_STATUS = {"open": "Abierto", "contained": "Contenido", "closed": "Cerrado"}


def _iso(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def incident_lucia(incident: Any, events: list[Any], assets: list[Any]) -> dict[str, Any]:
    org = incident.organization
    return {
        "formato": LUCIA_FORMAT,
        "referencia": incident.number,
        "organismo": {
            "nombre": org.name,
            "dir3": org.dir3_code or None,
            "ine": org.ine_code or None,
        },
        "asunto": incident.title,
        "descripcion": incident.description,
        "taxonomia": {"clasificacion": LUCIA_CLASS[incident.category], "codigo": incident.category},
        "peligrosidad": LUCIA_LEVEL[incident.level],
        "significativo_nis2": incident.significant,
        "estado": LUCIA_STATUS[incident.status],
        "fecha_deteccion": _iso(incident.detected_at),
        "fecha_conocimiento": _iso(incident.aware_at),
        "servicios_afectados": incident.affected_services,
        "activos_afectados": [
            {
                "nombre": str(a),
                "tipo": a.kind,
                "numero_serie": a.serial or None,
                "sistema_operativo": a.os_label or None,
            }
            for a in assets
        ],
        "datos_personales": {
            "afectados": incident.personal_data,
            "descripcion": incident.personal_data_description or None,
            "notificacion_rgpd": _iso(incident.gdpr_notified_at),
        },
        "notificaciones": {
            "alerta_temprana": _iso(incident.early_warning_at),
            "notificacion": _iso(incident.notification_at),
            "informe_final": _iso(incident.final_report_at),
        },
        "plazos": [
            {
                "paso": step.code,
                "vence": _iso(step.due),
                "hecho": _iso(step.done_at),
                "estado": step.state,
            }
            for step in clocks.steps(incident, timezone.now())
        ],
        "cronologia": [{"fecha": _iso(e.at), "tipo": e.code, "texto": e.text} for e in events],
        "acciones_realizadas": [e.text for e in events if e.code == "action"],
    }


def incident_pdf(
    incident: Any, events: list[Any], assets: list[Any], labels: dict[str, str]
) -> bytes:
    now = timezone.now()
    doc = PdfBuilder(
        title=_("Security incident %(number)s") % {"number": incident.number},
        author=incident.organization.name,
        footer_text=f"{incident.organization.name} · {incident.number}",
    )
    doc.heading(incident.organization.name)
    doc.heading(f"{incident.number} · {incident.title}", level=2)
    doc.key_values(
        [
            (_("Category"), incident.get_category_display()),
            (_("Dangerousness"), incident.get_level_display()),
            (_("Significant (NIS2)"), _("Yes") if incident.significant else _("No")),
            (_("Status"), incident.get_status_display()),
            (_("Detected at"), timezone.localtime(incident.detected_at).strftime("%Y-%m-%d %H:%M")),
            (_("Became aware at"), timezone.localtime(incident.aware_at).strftime("%Y-%m-%d %H:%M")),
            (_("Affected services"), incident.affected_services or "—"),
            (_("Personal data"), incident.personal_data_description if incident.personal_data else _("No")),
        ]
    )  # fmt: skip
    if incident.description:
        doc.paragraph(incident.description)
    doc.heading(_("Legal clocks"), level=2)
    doc.table(
        [_("Step"), _("Due"), _("Done"), _("State")],
        [
            [step.label, timezone.localtime(step.due).strftime("%Y-%m-%d %H:%M"),
             timezone.localtime(step.done_at).strftime("%Y-%m-%d %H:%M") if step.done_at else "—",
             labels.get(step.state, step.state)]
            for step in clocks.steps(incident, now)
        ],
        widths=[80, 35, 35, 30],
    )  # fmt: skip
    if assets:
        doc.heading(_("Affected devices"), level=2)
        doc.table([_("Device"), _("Type"), _("Operating system")],
                  [[str(a), a.get_kind_display(), a.os_label or "—"] for a in assets],
                  widths=[70, 40, 70])  # fmt: skip
    doc.heading(_("Timeline"), level=2)
    doc.table(
        [_("When"), _("What")],
        [[timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.summary] for e in events],
        widths=[35, 145],
    )
    return doc.to_bytes()


def soa_pdf(
    org: Any, category_label: str, rows: list[dict[str, Any]], state_labels: dict[str, str]
) -> bytes:
    """The statement of applicability (declaración de aplicabilidad): every Annex II measure that
    applies to the category, with its state, evidence and review date."""
    doc = PdfBuilder(
        title=_("ENS statement of applicability"), author=org.name, landscape=True,
        footer_text=f"{org.name} · RD 311/2022",
    )  # fmt: skip
    doc.heading(org.name)
    doc.heading(_("ENS statement of applicability"), level=2)
    doc.key_values([
        (_("Category"), category_label),
        (_("Measures that apply"), str(len(rows))),
        (_("Date"), timezone.localdate().isoformat()),
        (_("Source"), ens.source()),
    ])  # fmt: skip
    doc.table(
        [_("Measure"), _("Name"), _("State"), _("Evidence"), _("Next review"), _("Findings")],
        [
            [row["spec"].code, row["spec"].name,
             state_labels.get(row["record"].state if row["record"] else "not_applied", ""),
             (row["record"].evidence or row["record"].justification) if row["record"] else "",
             row["record"].review_date.isoformat() if row["record"] and row["record"].review_date else "",
             "; ".join(row["findings"])]
            for row in rows
        ],
        widths=[20, 65, 30, 70, 25, 57],
    )  # fmt: skip
    return doc.to_bytes()
