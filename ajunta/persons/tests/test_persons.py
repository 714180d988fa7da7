"""The register of persons (issue 18, item 3): checking, filings pointing at persons while keeping
their snapshot, merging duplicates, the data export, the migration of existing parties, pages
and API, and isolation between organizations."""

from __future__ import annotations

import importlib
import json
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ajunta.cases import services as case_services
from ajunta.cases.models import CaseParty
from ajunta.cases.tests.factories import make_procedure
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantTestCase
from ajunta.persons import selectors, services
from ajunta.persons.models import Address, Person
from ajunta.registry import services as registry_services
from ajunta.registry.models import InterestedParty

NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
    "first_surname": "Puig", "email": "nuria@example.org", "address": "Carrer Major, 1",
    "postal_code": "08241", "municipality_ine": "081136",
}  # fmt: skip
GESTORIA = {
    "person_type": "legal", "id_type": "C", "id_number": "B12345674", "name": "Gestoria Bages SL",
}  # fmt: skip


def api_url(slug: str, path: str = "") -> str:
    return f"/api/v1/o/{slug}/persons/{path}"


class PersonsTestCase(TenantTestCase):
    def file_entry(self, org: Any = None, actor: Any = None, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "direction": "in", "channel": "in_person", "epigraph": "Instància genèrica",
            "summary": "Sol·licitud de llicència d'obres", "parties": [NURIA],
        }  # fmt: skip
        values.update(overrides)
        with self.captureOnCommitCallbacks(execute=True):
            return registry_services.registry_entry_create(
                org=org or self.org_a, actor=actor or self.bob, **values
            )

    def make_person(self, org: Any = None, **fields: Any) -> Person:
        values = {
            "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
            "first_surname": "Puig",
        }  # fmt: skip
        values.update(fields)
        return services.person_create(org=org or self.org_a, actor=self.bob, **values)


class CheckingTests(PersonsTestCase):
    def test_identity_numbers_are_checked_with_stdnum_and_normalized(self) -> None:
        person = self.make_person(id_number=" 12345678-z ")
        self.assertEqual(person.id_number, "12345678Z")
        with self.assertRaises(ValidationError) as caught:
            self.make_person(id_number="12345678A")
        self.assertIn("id_number", caught.exception.message_dict)

    def test_names_by_person_type(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.make_person(person_type="legal", id_type="C", id_number="B12345674", name="")
        self.assertIn("company_name", caught.exception.message_dict)
        company = self.make_person(person_type="legal", id_type="C", id_number="B12345674",
                                   name="", first_surname="", company_name="Gestoria SL")  # fmt: skip
        self.assertEqual(company.full_name, "Gestoria SL")
        with self.assertRaises(ValidationError) as caught:
            self.make_person(id_number="87654321X", first_surname="")
        self.assertIn("first_surname", caught.exception.message_dict)

    def test_one_live_person_per_number_and_organization(self) -> None:
        self.make_person()
        with self.assertRaises(ValidationError):
            self.make_person()
        self.make_person(org=self.org_b)  # another organization keeps its own register
        with self.assertRaises(IntegrityError), transaction.atomic():
            Person.objects.create(organization=self.org_a, person_type="natural", id_type="N",
                                  id_number="12345678Z", name="X", first_surname="Y")  # fmt: skip

    def test_addresses_carry_real_ine_codes(self) -> None:
        person = self.make_person()
        address = services.address_add(org=self.org_a, actor=self.bob, person=person,
                                       street="Plaça Major, 1", municipality_ine="081136")  # fmt: skip
        self.assertEqual((address.province_code, address.is_primary), ("08", True))
        with self.assertRaises(ValidationError) as caught:
            services.address_add(org=self.org_a, actor=self.bob, person=person,
                                 street="Enlloc", municipality_ine="081130")  # fmt: skip
        self.assertIn("municipality_ine", caught.exception.message_dict)

    def test_update_keeps_history_in_the_audit_chain(self) -> None:
        person = self.make_person()
        services.person_update(org=self.org_a, actor=self.bob, person=person,
                               email="nova@example.org", electronic_consent=True)  # fmt: skip
        person.refresh_from_db()
        self.assertIsNotNone(person.electronic_consent_at)
        event = selectors.history(org=self.org_a, person=person).first()
        self.assertEqual(event.action, "persons.person.update")
        self.assertEqual(event.changes["email"], ["", "nova@example.org"])

    def test_representation_needs_a_sensible_period(self) -> None:
        nuria = self.make_person()
        joan = self.make_person(id_number="87654321X", name="Joan", first_surname="Vila")
        import datetime as dt

        with self.assertRaises(ValidationError):
            services.representation_add(org=self.org_a, actor=self.bob, representative=joan,
                                        represented=nuria, kind="general",
                                        valid_from=dt.date(2026, 5, 1),
                                        valid_until=dt.date(2026, 4, 1))  # fmt: skip
        services.representation_add(org=self.org_a, actor=self.bob, representative=joan,
                                    represented=nuria, kind="apud_acta",
                                    valid_from=dt.date(2026, 5, 1))  # fmt: skip
        self.assertEqual(
            [r.representative for r in selectors.representations(org=self.org_a, person=nuria)],
            [joan],
        )


class FilingTests(PersonsTestCase):
    def test_filings_point_at_one_person_and_keep_their_snapshot(self) -> None:
        entry = self.file_entry()
        party = entry.parties.get()
        person = party.person
        self.assertEqual((person.id_number, person.full_name), ("12345678Z", "Núria Puig"))
        self.assertEqual(person.addresses.get().municipality_ine, "081136")
        # a case of the same person points at the same row
        procedure = make_procedure(self.org_a, self.alice)
        case = case_services.case_open(org=self.org_a, actor=self.bob, procedure=procedure,
                                       subject="Obres", parties=[{**NURIA, "address": ""}])  # fmt: skip
        self.assertEqual(case.parties.get().person, person)
        # the address corrected once in the register is the one both show from now on...
        address = person.addresses.get()
        services.address_update(org=self.org_a, actor=self.bob, address=address,
                                street="Carrer Nou, 5")  # fmt: skip
        records = services.records_of(org=self.org_a, person=person)
        self.assertEqual({r.kind for r in records}, {"registry_entry", "case"})
        self.assertEqual(
            services.party_values(selectors.person_by_id_number(org=self.org_a,
                                                                id_number="12345678z"))["address"],
            "Carrer Nou, 5",
        )  # fmt: skip
        # ... while the sealed filing keeps what was filed
        party.refresh_from_db()
        self.assertEqual(party.address, "Carrer Major, 1")

    def test_a_filing_does_not_overwrite_the_register(self) -> None:
        person = self.make_person(email="")
        self.file_entry(parties=[{**NURIA, "name": "Nuri", "email": "nuria@example.org"}])
        person.refresh_from_db()
        self.assertEqual(person.name, "Núria")  # corrected on the person's page, not by filings
        self.assertEqual(person.email, "nuria@example.org")  # a blank is filled
        self.assertEqual(person.addresses.count(), 1)  # the new address is added

    def test_legal_person_takes_the_company_name(self) -> None:
        entry = self.file_entry(parties=[GESTORIA])
        person = entry.parties.get().person
        self.assertEqual((person.company_name, person.name), ("Gestoria Bages SL", ""))
        self.assertEqual(services.party_values(person)["name"], "Gestoria Bages SL")


class MergeTests(PersonsTestCase):
    def test_merge_moves_references_and_keeps_the_merged_row(self) -> None:
        entry = self.file_entry()
        wrong = entry.parties.get().person
        right = self.make_person(id_number="87654321X", email="joan@example.org")
        services.person_merge(org=self.org_a, actor=self.alice, duplicate=wrong, into=right,
                              reason="Mateixa persona, NIF mal escrit")  # fmt: skip
        wrong.refresh_from_db()
        self.assertEqual(wrong.merged_into, right)
        self.assertEqual(InterestedParty.objects.get(entry=entry).person, right)
        self.assertEqual(Address.objects.filter(person=right).count(), 1)
        self.assertFalse(selectors.persons(org=self.org_a).filter(pk=wrong.pk).exists())
        # the old number still finds the survivor
        self.assertEqual(selectors.person_by_id_number(org=self.org_a, id_number="12345678Z"),
                         right)  # fmt: skip
        event = AuditEvent.objects.get(action="persons.person.merge")
        self.assertEqual(event.changes["moved"]["registry.InterestedParty"], 1)
        self.assertEqual(event.changes["reason"], "Mateixa persona, NIF mal escrit")
        with self.assertRaises(ValidationError):
            services.person_merge(org=self.org_a, actor=self.alice, duplicate=wrong, into=right)

    def test_another_organizations_person_cannot_be_merged(self) -> None:
        mine = self.make_person()
        theirs = self.make_person(org=self.org_b)
        with self.assertRaises(Person.DoesNotExist):
            services.person_merge(org=self.org_a, actor=self.alice, duplicate=theirs, into=mine)


class MigrationTests(PersonsTestCase):
    def test_existing_parties_move_into_the_register_deduplicated(self) -> None:
        first = self.file_entry()
        second = self.file_entry(parties=[{**NURIA, "address": "Carrer Nou, 5"}])
        other_org = self.file_entry(org=self.org_b, actor=self.charlie)
        procedure = make_procedure(self.org_a, self.alice)
        case = case_services.case_open(org=self.org_a, actor=self.bob, procedure=procedure,
                                       subject="Obres", parties=[NURIA])  # fmt: skip
        # as before the register: no person anywhere
        InterestedParty.objects.update(person=None)
        CaseParty.objects.update(person=None)
        Person.objects.update(merged_into=None)
        Address.objects.all().delete()
        Person.objects.all().delete()
        migration = importlib.import_module(
            "ajunta.persons.migrations.0002_existing_parties_into_the_register"
        )
        migration.forwards(apps, None)
        mine = Person.objects.get(organization=self.org_a)
        self.assertEqual(mine.id_number, "12345678Z")
        for entry in (first, second):
            self.assertEqual(entry.parties.get().person, mine)
        self.assertEqual(case.parties.get().person, mine)
        self.assertEqual(other_org.parties.get().person.organization, self.org_b)
        self.assertEqual(
            sorted(mine.addresses.values_list("street", "is_primary")),
            # the case (filed last) gave Carrer Major again: the newest address is the main one
            [("Carrer Major, 1", True), ("Carrer Nou, 5", False)],
        )


class PageTests(PersonsTestCase):
    def test_list_search_detail_edit_and_export(self) -> None:
        entry = self.file_entry()
        person = entry.parties.get().person
        self.make_person(id_number="87654321X", name="Joan", first_surname="Vila")
        client = self.login(self.bob)
        listing = client.get(reverse("persons_list", args=["alpha"]), {"q": "nuria"})
        self.assertContains(listing, "Núria Puig")
        self.assertNotContains(listing, "Joan Vila")
        detail = client.get(reverse("persons_person", args=["alpha", person.pk]))
        self.assertContains(detail, entry.number)
        self.assertContains(detail, "Carrer Major, 1, 08241 Manresa")
        edit = reverse("persons_edit", args=["alpha", person.pk])
        refused = client.post(edit, {"person_type": "natural", "id_type": "N",
                                     "id_number": "12345678A", "name": "Núria",
                                     "first_surname": "Puig"})  # fmt: skip
        self.assertEqual(refused.status_code, 400)
        done = client.post(edit, {"person_type": "natural", "id_type": "N",
                                  "id_number": "12345678Z", "name": "Núria",
                                  "first_surname": "Puig", "second_surname": "Soler"})  # fmt: skip
        self.assertEqual(done.status_code, 302)
        self.assertContains(client.get(edit), "second_surname")  # the history shows the change
        export = client.get(reverse("persons_export", args=["alpha", person.pk]),
                            {"format": "json"})  # fmt: skip
        data = json.loads(export.content)
        self.assertEqual(data["person"]["second_surname"], "Soler")
        self.assertEqual(data["records"][0]["reference"], entry.number)
        page = client.get(reverse("persons_export", args=["alpha", person.pk]))
        self.assertContains(page, entry.number)

    def test_lookup_and_merge_from_the_page(self) -> None:
        person = self.make_person()
        dup = self.make_person(id_number="87654321X", name="Núria", first_surname="Puig")
        client = self.login(self.alice)
        lookup = client.get(reverse("persons_lookup", args=["alpha"]), {"id_number": "12345678z"})
        self.assertContains(lookup, f'data-person-found="{person.pk}"')
        page = reverse("persons_person", args=["alpha", person.pk])
        self.assertContains(client.get(page), "87654321X")  # offered as a possible duplicate
        merged = client.post(page, {"action": "merge", "merge-duplicate": "87654321X"})
        self.assertEqual(merged.status_code, 302)
        dup.refresh_from_db()
        self.assertEqual(dup.merged_into, person)

    def test_another_organization_gets_404(self) -> None:
        person = self.make_person()
        client = self.login(self.charlie)
        for name in ("persons_person", "persons_edit", "persons_export"):
            self.assertEqual(client.get(reverse(name, args=["alpha", person.pk])).status_code, 404)
            self.assertEqual(client.get(reverse(name, args=["beta", person.pk])).status_code, 404)


class ApiTests(PersonsTestCase):
    def test_list_lookup_create_update_merge_export(self) -> None:
        for n, nif in enumerate(("12345678Z", "87654321X", "11111111H")):
            self.make_person(id_number=nif, name=f"Persona {n}")
        api = self.api(self.bob)
        with CaptureQueriesContext(connection) as few:
            response = api.get(api_url("alpha"))
        self.assertEqual(response.json()["count"], 3)
        self.make_person(id_number="22222222J")
        with CaptureQueriesContext(connection) as more:
            api.get(api_url("alpha"))
        self.assertEqual(len(few), len(more))  # no query per person
        found = api.get(api_url("alpha"), {"id_number": "87654321x"}).json()["results"]
        self.assertEqual([p["id_number"] for p in found], ["87654321X"])
        created = api.post(api_url("alpha"), {
            "person_type": "legal", "id_type": "C", "id_number": "B12345674",
            "company_name": "Gestoria SL", "address": {"street": "Av. Diagonal 1",
                                                      "municipality_ine": "080193"},
        }, format="json")  # fmt: skip
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertEqual(body["addresses"][0]["province_code"], "08")
        bad = api.post(api_url("alpha"), {"person_type": "natural", "id_type": "N",
                                          "id_number": "123", "name": "X",
                                          "first_surname": "Y"}, format="json")  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        self.assertIn("id_number", bad.json())
        patched = api.patch(api_url("alpha", f"{body['id']}/"), {"email": "g@example.org"},
                            format="json")  # fmt: skip
        self.assertEqual(patched.json()["email"], "g@example.org")
        export = api.get(api_url("alpha", f"{body['id']}/export/"))
        self.assertEqual(export.json()["person"]["id_number"], "B12345674")
        # merging takes the administrator's permission
        dup = Person.objects.get(id_number="22222222J")
        merge = api_url("alpha", f"{body['id']}/merge/")
        self.assertEqual(api.post(merge, {"duplicate": dup.pk}, format="json").status_code, 403)
        admin = self.api(self.alice)
        self.assertEqual(admin.post(merge, {"duplicate": dup.pk}, format="json").status_code, 200)

    def test_another_organization_gets_404(self) -> None:
        person = self.make_person()
        api = self.api(self.charlie)
        self.assertEqual(api.get(api_url("alpha", f"{person.pk}/")).status_code, 404)
        self.assertEqual(api.get(api_url("beta", f"{person.pk}/")).status_code, 404)
        self.assertEqual(api.get(api_url("beta", f"{person.pk}/export/")).status_code, 404)


class NewEntryFormTests(PersonsTestCase):
    def test_one_compact_block_that_a_nif_look_up_fills(self) -> None:
        person = self.file_entry().parties.get().person
        client = self.login(self.bob)
        new = reverse("registry_entry_new", args=["alpha"])
        page = client.get(new).content.decode()
        self.assertEqual(page.count('class="card party-block"'), 1)
        filled = client.get(new, {"party_lookup": "0", "parties-0-id_number": "12345678z",
                                  "parties-0-role": "interested"},
                            HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        self.assertIn(f'data-person-found="{person.pk}"', filled)
        self.assertIn('value="Carrer Major, 1"', filled)
        self.assertIn('value="081136"', filled)
        self.assertIn('name="parties-0-name"', filled)
        unknown = client.get(new, {"party_lookup": "0", "parties-0-id_number": "87654321X"},
                             HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        self.assertIn('data-person-found=""', unknown)
        self.assertIn('value="87654321X"', unknown)
        bad = client.get(new, {"party_lookup": "99"}, HTTP_HX_REQUEST="true")
        self.assertEqual(bad.status_code, 400)
        # another organization's register is not looked up
        theirs = self.login(self.charlie).get(
            reverse("registry_entry_new", args=["beta"]),
            {"party_lookup": "0", "parties-0-id_number": "12345678Z"}, HTTP_HX_REQUEST="true",
        ).content.decode()  # fmt: skip
        self.assertNotIn("Carrer Major", theirs)


class LanguageTests(PersonsTestCase):
    def test_pages_and_refusals_speak_the_users_language(self) -> None:
        from ajunta.core.testing import speaking

        person = self.make_person()
        client = speaking(self.login(self.bob), "es")
        page = client.get(reverse("persons_person", args=["alpha", person.pk]))
        self.assertContains(page, "Presentado por este tercero o sobre él")
        refused = speaking(self.login(self.bob), "ca").post(
            reverse("persons_new", args=["alpha"]),
            {"person_type": "natural", "id_type": "N", "id_number": "12345678A", "name": "X",
             "first_surname": "Y"},
        )  # fmt: skip
        self.assertContains(refused, "NIF no vàlid.", status_code=400)
        self.assertNotContains(refused, "Aquest camp és obligatori", status_code=400)


class CasePartyLookupTests(PersonsTestCase):
    def test_the_case_party_form_is_filled_from_the_register(self) -> None:
        person = self.file_entry().parties.get().person
        procedure = make_procedure(self.org_a, self.alice)
        case = case_services.case_open(org=self.org_a, actor=self.bob, procedure=procedure,
                                       subject="Obres", parties=[GESTORIA])  # fmt: skip
        url = reverse("cases_case_action", args=["alpha", case.pk, "party"])
        client = self.login(self.bob)
        html = client.get(url, {"party-id_number": "12345678z"},
                          HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        self.assertIn(f'data-person-found="{person.pk}"', html)
        self.assertIn('value="Carrer Major, 1"', html)
        added = client.post(url, {f"party-{k}": v for k, v in {
            **{k: v for k, v in services.party_values(person).items()
               if k in ("person_type", "id_type", "id_number", "name", "first_surname",
                        "address", "postal_code", "email")},
        }.items()})  # fmt: skip
        self.assertEqual(added.status_code, 302)
        self.assertEqual(case.parties.get(id_number="12345678Z").person, person)
