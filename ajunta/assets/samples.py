"""Sample agent inventories for tests and demo data: the shipped GLPI example, varied per call."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parent / "data" / "computer_1.json"


def glpi_document(
    *,
    deviceid: str = "glpixps-2018-07-09-09-07-13",
    name: str | None = None,
    serial: str | None = None,
    uuid: str | None = None,
    os: tuple[str, str] | None = None,
    antivirus: list[dict[str, Any]] | None = None,
    **content: Any,
) -> dict[str, Any]:
    """The example inventory (a Fedora laptop), with the fields a test cares about replaced."""
    document = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    document["deviceid"] = deviceid
    body = document["content"]
    if name is not None:
        body["hardware"]["name"] = name
    if serial is not None:
        body["bios"]["ssn"] = serial
    if uuid is not None:
        body["hardware"]["uuid"] = uuid
    if os is not None:
        full_name, version = os
        body["operatingsystem"].update(
            {"full_name": full_name, "name": full_name.split()[0], "version": version}
        )
    if antivirus is not None:
        body["antivirus"] = antivirus
    body.update(content)
    return document


def windows_10(deviceid: str = "PC-SECRETARIA-2024-01-01-10-00-00", **extra: Any) -> dict[str, Any]:
    return glpi_document(
        deviceid=deviceid,
        name=extra.pop("name", "PC-SECRETARIA"),
        serial=extra.pop("serial", "5CG1234XYZ"),
        uuid=extra.pop("uuid", "0055adc9-1d3a-e411-8043-b05d95113232"),
        os=("Microsoft Windows 10 Pro", "22H2"),
        antivirus=[{"name": "Microsoft Defender", "enabled": True, "uptodate": True}],
        **extra,
    )
