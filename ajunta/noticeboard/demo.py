"""Demo data of the notice board: Manresa's board with a public information period of a case
file and an announcement, both on the public board at /board/manresa/."""

from __future__ import annotations

from typing import Any

from ajunta.cases import selectors as case_selectors
from ajunta.core.calendar import calendar_for
from ajunta.noticeboard import services
from ajunta.noticeboard.models import Edict


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    manresa = orgs["manresa"]
    if Edict.objects.filter(organization=manresa).exists():
        stdout.write("  noticeboard: already seeded")
        return
    clerk = users["staff.manresa"]
    today = calendar_for(manresa).today()
    case = case_selectors.cases(org=manresa).order_by("pk").first()
    services.edict_publish(
        org=manresa, actor=clerk, kind="public_information", starts_on=today, period_days=20,
        period_unit="business", case=case, reference=case.number if case else "",
        title="Informació pública del projecte d'obres de reforma d'un habitatge",
        body=(
            "D'acord amb l'article 83 de la Llei 39/2015, se sotmet a **informació pública** "
            "l'expedient indicat durant **20 dies hàbils** comptats des de l'endemà d'aquesta "
            "publicació.\n\nQualsevol persona el pot examinar a l'Oficina d'Atenció Ciutadana "
            "i presentar-hi al·legacions pel registre electrònic."
        ),
    )  # fmt: skip
    services.edict_publish(
        org=manresa, actor=clerk, kind="announcement", starts_on=today, period_days=30,
        period_unit="calendar", title="Convocatòria de la sessió ordinària del Ple",
        body="El Ple es reunirà en sessió ordinària el darrer dijous de mes a les 19 h a la sala "
        "de plens. L'ordre del dia es publica en aquest tauler.",
    )  # fmt: skip
    stdout.write("  noticeboard: 2 edicts on Manresa's board")
