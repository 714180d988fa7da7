"""A local fake of a remote qualified signing service speaking the Cloud Signature Consortium API
v2 (the calls Ajunta uses): credentials/list, credentials/info, credentials/authorize,
signatures/signHash. Real HTTP on 127.0.0.1, in a thread, holding each person's TEST key."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import Certificate


class FakeCscService:
    def __init__(self, token: str = "relying-party-token") -> None:
        self.token = token
        self.credentials: dict[str, tuple[str, rsa.RSAPrivateKey, list[Certificate], str, str]] = {}
        self.sads: dict[str, tuple[str, list[str]]] = {}
        self.calls: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet in tests
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                method = self.path.removeprefix("/csc/v2/")
                service.calls.append(method)
                if self.headers.get("Authorization") != f"Bearer {service.token}":
                    return self.answer(401, {"error": "invalid_token"})
                status, answer = service.handle(method, body)
                self.answer(status, answer)

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeCscService:
        self.thread.start()
        return self

    def __exit__(self, *args: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, user_id: str, key: rsa.RSAPrivateKey, chain: list[Certificate],
            pin: str = "1234", otp: str = "000000") -> str:  # fmt: skip
        credential = f"cred-{len(self.credentials) + 1}"
        self.credentials[credential] = (user_id, key, chain, pin, otp)
        return credential

    def handle(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "credentials/list":
            ids = [c for c, v in self.credentials.items() if v[0] == body.get("userID")]
            return 200, {"credentialIDs": ids}
        credential = self.credentials.get(str(body.get("credentialID")))
        if credential is None:
            return 400, {"error": "invalid_request", "error_description": "Invalid credentialID"}
        _user, key, chain, pin, otp = credential
        if method == "credentials/info":
            return 200, {
                "key": {"status": "enabled", "algo": ["1.2.840.113549.1.1.11"], "len": 2048},
                "cert": {"status": "valid", "certificates": [
                    base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in chain]},
                "authMode": "explicit", "multisign": 1,
            }  # fmt: skip
        if method == "credentials/authorize":
            if body.get("PIN") != pin or body.get("OTP") != otp:
                return 400, {"error": "invalid_request", "error_description": "Invalid PIN or OTP"}
            sad = secrets.token_urlsafe(16)
            self.sads[sad] = (str(body["credentialID"]), list(body.get("hashes", [])))
            return 200, {"SAD": sad, "expiresIn": 300}
        if method == "signatures/signHash":
            granted = self.sads.pop(str(body.get("SAD")), None)
            if granted is None or granted != (str(body["credentialID"]), body.get("hashes")):
                return 400, {"error": "invalid_request", "error_description": "Invalid SAD"}
            if body.get("signAlgo") != "1.2.840.113549.1.1.11":
                return 400, {
                    "error": "invalid_request",
                    "error_description": "Unsupported signAlgo",
                }
            signatures = [
                base64.b64encode(key.sign(base64.b64decode(h), padding.PKCS1v15(),
                                          utils.Prehashed(hashes.SHA256()))).decode()
                for h in body["hashes"]
            ]  # fmt: skip
            return 200, {"signatures": signatures}
        return 404, {"error": "invalid_request", "error_description": "Unknown method"}
