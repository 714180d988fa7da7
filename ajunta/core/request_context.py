"""What the current request tells the services without passing it through every call."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("ajunta_request_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def set_ip(ip: str | None) -> object:
    return _ip.set(ip)


def reset_ip(token: object) -> None:
    _ip.reset(token)  # type: ignore[arg-type]
