"""Issue 25: the deployment files are valid for the tools that read them (docs/deployment.md).

Each check uses the real tool where this machine has it (docker compose, systemd-analyze, nginx)
and is skipped where it does not; .ci/run installs them, so CI never skips. What needs no tool
(the schemas, the configuration reference, publiccode.yml) always runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings
from django.test import SimpleTestCase

from ajunta.core import configdoc

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
COMPOSE_ENV = {
    "SECRET_KEY": "compose-config-check",
    "POSTGRES_PASSWORD": "compose-config-check",
    "MINIO_ROOT_PASSWORD": "compose-config-check",
}


def schema_errors(document: object, schema_name: str) -> list[str]:
    schema = json.loads((DEPLOY / "schemas" / schema_name).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


class ComposeFileTests(SimpleTestCase):
    def setUp(self) -> None:
        self.compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))

    def test_it_follows_the_compose_specification(self):
        self.assertEqual(schema_errors(self.compose, "compose-spec.json"), [])

    def test_the_schema_check_catches_a_mistake(self):
        broken = {**self.compose, "services": {"app": {"image": "x", "restart_policy": "always"}}}
        self.assertTrue(schema_errors(broken, "compose-spec.json"))

    def test_it_runs_every_part_and_depends_on_real_services(self):
        services = self.compose["services"]
        for needed in ("app", "worker", "beat", "postgres", "redis", "minio", "proxy"):
            self.assertIn(needed, services)
        for name, service in services.items():
            for dependency in service.get("depends_on", {}):
                self.assertIn(dependency, services, f"{name} depends on {dependency}")
        self.assertIn("worker", services["worker"]["command"])
        self.assertIn("beat", services["beat"]["command"])

    def test_every_variable_it_needs_is_in_the_example_environment(self):
        text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
        required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
        example = (DEPLOY / "ajunta.env.example").read_text(encoding="utf-8")
        offered = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
        self.assertEqual(required - offered, set())
        self.assertEqual(required, set(COMPOSE_ENV))

    def test_docker_compose_config_validates_it(self):
        if shutil.which("docker") and (
            subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
        ):
            command = ["docker", "compose"]
        elif shutil.which("docker-compose"):
            command = ["docker-compose"]
        else:
            self.skipTest("neither `docker compose` nor docker-compose here")
        done = subprocess.run(
            [*command, "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
            env={**os.environ, **COMPOSE_ENV},
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        # And it refuses to start without the secrets.
        missing = subprocess.run(
            [*command, "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
            env={k: v for k, v in os.environ.items() if k not in COMPOSE_ENV},
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertNotEqual(missing.returncode, 0)


class DockerfileTests(SimpleTestCase):
    def test_a_slim_python_base_a_non_root_user_and_a_health_check(self):
        text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
        self.assertRegex(text, r"(?m)^FROM python:3\.\d+-slim")
        users = re.findall(r"(?m)^USER (\S+)", text)
        self.assertTrue(users and not users[-1].startswith(("root", "0")), users)
        self.assertIn("/healthz", text)
        # Everything it copies exists, and the build context leaves the developer's state out.
        for sources in re.findall(r"(?m)^COPY (.+) \S+$", text):
            for source in sources.split():
                self.assertTrue((ROOT / source).exists(), source)
        ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
        for secret in (".venv", ".git", "db.sqlite3*", "seals", "media"):
            self.assertIn(secret, ignored)


class SystemdUnitTests(SimpleTestCase):
    def test_the_units_pass_systemd_analyze_verify(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("no systemd here")
        units = sorted((DEPLOY / "systemd").glob("ajunta-*"))
        self.assertGreaterEqual(len(units), 3)
        venv_bin = Path(sys.executable).parent
        with tempfile.TemporaryDirectory() as folder:
            # The units name /srv/ajunta/app: point them at this checkout and its virtualenv so
            # that verify can check the programs they start exist.
            for unit in units:
                text = unit.read_text(encoding="utf-8")
                text = text.replace("/srv/ajunta/app/.venv/bin", str(venv_bin))
                text = text.replace("/srv/ajunta/app", str(ROOT))
                (Path(folder) / unit.name).write_text(text, encoding="utf-8")
            done = subprocess.run(
                ["systemd-analyze", "verify", *(str(Path(folder) / u.name) for u in units)],
                capture_output=True,
                text=True,
                check=False,
            )
        problems = [
            line
            for line in done.stderr.splitlines()
            # Running inside a container without systemd as PID 1 prints these about the host.
            if line.strip() and "ajunta" in line
        ]
        self.assertEqual(problems, [], done.stderr)
        self.assertEqual(done.returncode, 0, done.stderr)


class NginxSiteTests(SimpleTestCase):
    def test_the_sites_pass_nginx_t(self):
        if not shutil.which("nginx"):
            self.skipTest("no nginx here")
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        with tempfile.TemporaryDirectory() as folder:
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "seu.example.cat")])
            start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
            certificate = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(start)
                .not_valid_after(start + dt.timedelta(days=3650))
                .sign(key, hashes.SHA256())
            )
            cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            sites = []
            for site in ("ajunta.conf", "compose.conf"):
                text = (DEPLOY / "nginx" / site).read_text(encoding="utf-8")
                text = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain\.pem", str(cert_path), text)
                text = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey\.pem", str(key_path), text)
                text = text.replace("/var/log/nginx/", f"{folder}/")
                # compose's upstream host exists only on the compose network.
                text = text.replace("server app:8000;", "server 127.0.0.1:8000;")
                path = Path(folder) / site
                path.write_text(text, encoding="utf-8")
                sites.append(path)
            for site in sites:
                main = Path(folder) / f"nginx-{site.stem}.conf"
                main.write_text(
                    f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
                    f"events {{}}\nhttp {{\n  access_log {folder}/access.log;\n"
                    f"  include {site};\n}}\n",
                    encoding="utf-8",
                )
                done = subprocess.run(
                    ["nginx", "-t", "-q", "-p", folder, "-c", str(main)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                self.assertEqual(done.returncode, 0, f"{site.name}: {done.stderr}")


class ConfigurationReferenceTests(SimpleTestCase):
    def test_every_variable_settings_reads_is_documented_with_its_default(self):
        doc = configdoc.documented((ROOT / "docs" / "configuration.md").read_text("utf-8"))
        read = {variable.name: variable.default for variable in configdoc.variables()}
        missing = sorted(set(read) - set(doc))
        self.assertEqual(
            missing, [], "run `python -m ajunta.core.configdoc --write` to refresh the doc"
        )
        wrong = {name: (doc[name], read[name]) for name in read if doc[name] != read[name]}
        self.assertEqual(wrong, {}, "documented default differs from settings.py")
        self.assertEqual(sorted(set(doc) - set(read)), [], "documented but no longer read")

    def test_the_reader_finds_variables_and_defaults(self):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as source:
            source.write(
                "# The answer.\nA = env_int('ANSWER', 42)\nB = env('NAME')\n"
                "C = os.environ.get('RAW', 'x')\n"
            )
        self.addCleanup(os.unlink, source.name)
        found = {
            v.name: (v.default, v.kind, v.comment) for v in configdoc.variables(Path(source.name))
        }
        self.assertEqual(
            found,
            {
                "ANSWER": ("42", "integer", "The answer."),
                "NAME": ("(empty)", "text", ""),
                "RAW": ("x", "text", ""),
            },
        )


class PubliccodeTests(SimpleTestCase):
    def test_publiccode_yml_is_valid_against_the_standard_schema(self):
        document = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
        self.assertEqual(schema_errors(document, "publiccode.json"), [])
        self.assertEqual(document["legal"]["license"], "EUPL-1.2")  # the project's licence
        project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        version = re.search(r'(?m)^version = "(.+)"', project)
        assert version is not None
        self.assertEqual(document["softwareVersion"], version.group(1))

    def test_the_schema_check_catches_a_mistake(self):
        document = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
        document["developmentStatus"] = "finished"
        del document["legal"]
        self.assertEqual(len(schema_errors(document, "publiccode.json")), 2)

    def test_the_readme_still_starts_with_the_two_commands(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        self.assertRegex(readme, r"(?s)^# Ajunta\n\n```sh\nmake demo .*\nmake test .*\n```")
