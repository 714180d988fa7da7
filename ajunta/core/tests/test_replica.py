"""Issue 25: exports read from a PostgreSQL replica (ajunta.core.replica, docs/scaling.md).

On PostgreSQL: a second database, a copy of the test database, is configured as the `replica`
alias; a row put only there shows in the asset CSV export (read from the replica) and nowhere else,
and a write made while reading from the replica still lands on the primary."""

from __future__ import annotations

import uuid
import warnings

import psycopg
from django.conf import settings
from django.db import connection, connections
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from ajunta.assets.models import Asset
from ajunta.core.models import Role
from ajunta.core.replica import ReplicaRouter, reading_from_replica
from ajunta.core.testing import make_org, make_user
from ajunta.tenants.models import Organization


def admin_url() -> str:
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/postgres"


class RouterTests(TransactionTestCase):
    def test_without_a_replica_everything_reads_from_the_primary(self):
        router = ReplicaRouter()
        self.assertNotIn("replica", settings.DATABASES)
        with reading_from_replica():
            self.assertIsNone(router.db_for_read(Asset))
        self.assertEqual(router.db_for_write(Asset), "default")
        self.assertFalse(router.allow_migrate("replica", "assets"))
        self.assertTrue(router.allow_migrate("default", "assets"))


class ReplicaExportTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("a replica is PostgreSQL: run with DATABASE_URL=postgres://...")
        self.org = make_org("alpha", name="Ajuntament d'Alpha")
        self.admin = make_user("alice", self.org, Role.MUNICIPAL_ADMIN)
        Asset.objects.create(organization=self.org, kind="desktop", inventory_tag="PRIMARY-1")

        # The "replica": a copy of the test database taken now (as streaming replication would
        # hold), then changed on its own so that what is read from it can be told apart.
        primary = connection.settings_dict["NAME"]
        replica = f"{primary}_replica_{uuid.uuid4().hex[:8]}"
        connections.close_all()
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')
        self.addCleanup(self.drop, replica)
        config = {**connections.settings["default"], "NAME": replica}
        connections.settings["replica"] = config
        self.addCleanup(self.forget_alias)
        # Django's test case lets a test reach only the aliases it names; this one appears now.
        type(self).databases = frozenset({"default", "replica"})
        self.addCleanup(setattr, type(self), "databases", frozenset({"default"}))
        override = override_settings(DATABASES={**settings.DATABASES, "replica": config})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Overriding setting DATABASES": the router reads it
            override.enable()
        self.addCleanup(override.disable)
        with connections["replica"].cursor() as cursor:
            cursor.execute(
                "UPDATE assets_asset SET inventory_tag = 'ONLY-IN-REPLICA' "
                "WHERE inventory_tag = 'PRIMARY-1'"
            )

    def forget_alias(self) -> None:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]

    def drop(self, name: str) -> None:
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def test_the_export_reads_from_the_replica_and_writes_stay_on_the_primary(self):
        self.client.force_login(self.admin)
        export = self.client.get(reverse("assets_csv", args=["alpha"]))
        self.assertEqual(export.status_code, 200)
        text = b"".join(export.streaming_content).decode()
        self.assertIn("ONLY-IN-REPLICA", text)
        self.assertNotIn("PRIMARY-1", text)
        # The page (not an export) reads the primary.
        listing = self.client.get(reverse("assets_list", args=["alpha"]))
        self.assertContains(listing, "PRIMARY-1")
        self.assertNotContains(listing, "ONLY-IN-REPLICA")
        # A write inside the block goes to the primary.
        with reading_from_replica():
            Organization.objects.filter(pk=self.org.pk).update(name="Ajuntament d'Alfa")
            self.assertEqual(Organization.objects.get(pk=self.org.pk).name, "Ajuntament d'Alpha")
        self.assertEqual(Organization.objects.get(pk=self.org.pk).name, "Ajuntament d'Alfa")
