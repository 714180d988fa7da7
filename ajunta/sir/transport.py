"""How SICRES documents leave this platform for administrations that are not members.

A transport is any class with the `send` method of `Transport`. `SIR_TRANSPORT` (a dotted path,
read with getattr so a deployment without it works) picks one; the default, `OutboxTransport`,
writes each document as a file in `SIR_OUTBOX_DIR`, where an operator or a gateway process picks
it up. The real SIR web service (the `WS_SIR6_B` "recibirFicheroIntercambio"/"recibirMensaje"
operations of the Ministry's gateway) plugs in as another class: build its SOAP call from the
same bytes and raise TransportError when the gateway refuses them.

Members of this platform never go through a transport: services deliver to them directly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    """The document could not be handed over; the interchange goes to state `error`."""


class Transport(Protocol):
    def send(self, *, kind: str, identifier: str, destination_code: str, content: bytes) -> str:
        """Hand `content` (a valid SICRES 3 document) over for `destination_code`.

        `kind` is "interchange" (Fichero_Intercambio_SICRES_3) or "message" (De_Mensaje);
        `identifier` the interchange identifier. Return a reference for the trace (a path, a
        gateway receipt). Raise TransportError when it was not handed over.
        """
        ...


def outbox_dir() -> Path:
    return Path(getattr(settings, "SIR_OUTBOX_DIR", Path(settings.MEDIA_ROOT) / "sir-outbox"))


class OutboxTransport:
    """File drop: `<SIR_OUTBOX_DIR>/<identifier>_<kind>_<n>.xml`, written atomically (a reader
    never sees half a file) and never overwritten."""

    def send(self, *, kind: str, identifier: str, destination_code: str, content: bytes) -> str:
        folder = outbox_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".sending-", suffix=".xml")
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            for n in range(1, 1000):
                target = folder / f"{identifier}_{kind}_{n}.xml"
                try:
                    os.link(temporary, target)  # fails if the name exists: never overwrite
                except FileExistsError:
                    continue
                os.unlink(temporary)
                return str(target)
            os.unlink(temporary)
        except OSError as exc:
            raise TransportError(str(exc)) from exc
        raise TransportError(f"Too many files for {identifier} in {folder}.")


def get_transport() -> Transport:
    path = getattr(settings, "SIR_TRANSPORT", "ajunta.sir.transport.OutboxTransport")
    transport: Transport = import_string(path)()
    return transport
