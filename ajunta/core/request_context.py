"""What the current request tells the services without passing it through every call."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("ajunta_request_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def set_ip(ip: str | None) -> object:
    return _ip.set(ip)


def reset_ip(token: object) -> None:
    _ip.reset(token)  # type: ignore[arg-type]


# --- request id (docs/operations.md, Logs) -------------------------------------------------------
# One id per request, taken from the proxy's X-Request-ID or made here; every log line of the
# request carries it, and so do the Celery tasks the request queues (ajunta.core.logs).
_request_id: ContextVar[str | None] = ContextVar("ajunta_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(request_id: str | None) -> object:
    return _request_id.set(request_id)


def reset_request_id(token: object) -> None:
    _request_id.reset(token)  # type: ignore[arg-type]
