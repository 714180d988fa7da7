"""The API and the pages: tenant isolation (B never sees A's), permissions, query counts, 4xx."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ajunta.core.testing import TenantIsolationMixin, api_ids, speaking
from ajunta.meetings import services
from ajunta.meetings.tests.base import PlenaryTestCase, at


class MeetingsApiTests(TenantIsolationMixin, PlenaryTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.session = services.session_create(
            org=cls.org_a, actor=cls.alice, body=cls.plenary, kind="ordinary",
            starts_at=at("2026-03-11", 19),
        )  # fmt: skip
        cls.item = services.item_propose(
            org=cls.org_a, actor=cls.alice, session=cls.session, kind="proposal", title="Pressupost",
            proposal="Aprovar el pressupost.",
        )  # fmt: skip
        cls.other_body = services.body_create(
            org=cls.org_b,
            actor=cls.charlie,
            kind="board",
            name="Junta",
            code="jgl",
            legal_members=3,
        )
        cls.isolation_ids_a = {str(cls.plenary.pk)}
        cls.isolation_ids_b = {str(cls.other_body.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        api = f"/api/v1/o/{slug}/meetings"
        page = f"/o/{slug}/meetings"
        return [
            ("GET", f"{api}/bodies/{self.plenary.pk}/"),
            ("GET", f"{api}/bodies/{self.plenary.pk}/seats/"),
            ("GET", f"{api}/sessions/{self.session.pk}/"),
            ("POST", f"{api}/sessions/{self.session.pk}/convene/"),
            ("POST", f"{api}/sessions/{self.session.pk}/join/"),
            ("GET", f"{api}/items/{self.item.pk}/"),
            ("POST", f"{api}/items/{self.item.pk}/review/"),
            ("GET", f"{page}/bodies/{self.plenary.pk}/"),
            ("GET", f"{page}/sessions/{self.session.pk}/"),
            ("POST", f"{page}/sessions/{self.session.pk}/convene/"),
            ("GET", f"{page}/items/{self.item.pk}/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, object]]:
        return [(f"/api/v1/o/{slug}/meetings/bodies/", api_ids())]

    def test_the_secretary_builds_a_session_through_the_api(self) -> None:
        client = speaking(self.api(self.alice), "en")
        base = "/api/v1/o/alpha/meetings"
        created = client.post(f"{base}/sessions/", {
            "body": self.plenary.pk, "kind": "ordinary", "starts_at": "2030-01-15T19:00:00+01:00",
            "mode": "mixed", "remote_justification": "Reglament orgànic, art. 12",
        }, format="json")  # fmt: skip
        self.assertEqual(created.status_code, 201, created.content)
        session = created.json()["id"]
        proposed = client.post(f"{base}/items/", {
            "session": session, "kind": "proposal", "title": "Ordenança", "proposal": "Aprovar-la",
        }, format="json")  # fmt: skip
        self.assertEqual(proposed.status_code, 201, proposed.content)
        reviewed = client.post(
            f"{base}/items/{proposed.json()['id']}/review/", {"accept": True}, format="json"
        )
        self.assertEqual(reviewed.json()["position"], 1)
        convened = client.post(f"{base}/sessions/{session}/convene/")
        self.assertEqual(convened.status_code, 200, convened.content)
        self.assertEqual(convened.json()["status"], "convened")
        quorum = client.get(f"{base}/sessions/{session}/quorum/").json()
        self.assertEqual(quorum, {"present": 0, "remote": 0, "required_present": 3,
                                  "chair": False, "secretary": False, "ok": False})  # fmt: skip
        refused = client.post(f"{base}/sessions/{session}/open/")
        self.assertEqual(refused.status_code, 400)
        self.assertTrue(refused.json()["detail"][0])  # the reason, in the organization's language
        self.assertEqual(client.get(f"{base}/sessions/{session}/").json()["status"], "convened")

    def test_bad_input_is_a_400_with_a_message(self) -> None:
        client = speaking(self.api(self.alice), "en")
        base = "/api/v1/o/alpha/meetings"
        remote = client.post(f"{base}/sessions/", {
            "body": self.plenary.pk, "kind": "ordinary", "starts_at": "2030-01-15T19:00:00Z",
            "mode": "remote",
        }, format="json")  # fmt: skip
        self.assertEqual(remote.status_code, 400)
        self.assertIn("remote_justification", remote.json())
        self.assertEqual(client.post(f"{base}/bodies/", ["x"], format="json").status_code, 400)
        missing = client.post(f"{base}/sessions/", {"body": 999999, "kind": "ordinary",
                                                     "starts_at": "2030-01-15T19:00:00Z"}, format="json")  # fmt: skip
        self.assertEqual(missing.status_code, 404)

    def test_an_elected_member_reads_but_does_not_convene(self) -> None:
        client = self.api(self.councillor)
        self.assertEqual(
            client.get(f"/api/v1/o/alpha/meetings/sessions/{self.session.pk}/").status_code, 200
        )
        self.assertEqual(
            client.post(
                f"/api/v1/o/alpha/meetings/sessions/{self.session.pk}/convene/"
            ).status_code,
            403,
        )
        page = self.login(self.councillor)
        self.assertEqual(
            page.post(f"/o/alpha/meetings/sessions/{self.session.pk}/convene/").status_code, 403
        )
        # The proposal still under review is not shown to members.
        self.assertEqual(page.get(f"/o/alpha/meetings/items/{self.item.pk}/").status_code, 404)

    def test_lists_take_a_fixed_number_of_queries(self) -> None:
        client = self.api(self.alice)
        counts = []
        for n in range(2):
            services.session_create(org=self.org_a, actor=self.alice, body=self.plenary, kind="ordinary",
                                    starts_at=at("2026-05-0" + str(n + 1), 19))  # fmt: skip
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/v1/o/alpha/meetings/sessions/")
            self.assertEqual(response.status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        pages = []
        web = self.login(self.alice)
        web.get("/o/alpha/meetings/")  # the first page of a login warms the session
        for n in range(2):
            services.session_create(org=self.org_a, actor=self.alice, body=self.plenary, kind="ordinary",
                                    starts_at=at("2026-06-0" + str(n + 1), 19))  # fmt: skip
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(web.get("/o/alpha/meetings/").status_code, 200)
            pages.append(len(queries))
        self.assertEqual(pages[0], pages[1])

    def test_pages_render_in_catalan(self) -> None:
        client = speaking(self.login(self.alice), "ca")
        for path in ("/o/alpha/meetings/", "/o/alpha/meetings/my/", "/o/alpha/meetings/bodies/new/",
                     f"/o/alpha/meetings/bodies/{self.plenary.pk}/",
                     f"/o/alpha/meetings/sessions/{self.session.pk}/",
                     f"/o/alpha/meetings/items/{self.item.pk}/"):  # fmt: skip
            self.assertEqual(client.get(path).status_code, 200, path)
        self.assertContains(client.get("/o/alpha/meetings/"), "Òrgans col·legiats")

    def test_a_body_is_created_from_its_page(self) -> None:
        client = speaking(self.login(self.alice), "en")
        response = client.post(
            "/o/alpha/meetings/bodies/new/",
            {"kind": "board", "name": "Junta de Govern", "code": "jgl"},
        )
        self.assertEqual(response.status_code, 400)  # a board needs its legal number of members
        self.assertContains(response, "Give the legal number of members", status_code=400)
        response = client.post("/o/alpha/meetings/bodies/new/", {"kind": "board", "name": "Junta de Govern",
                                                                  "code": "jgl", "legal_members": 3})  # fmt: skip
        self.assertEqual(response.status_code, 302)

    def test_draft_sessions_are_not_public(self) -> None:
        public = self.client_class()
        self.assertEqual(
            public.get(f"/public/alpha/meetings/sessions/{self.session.pk}/").status_code, 404
        )
        self.assertEqual(
            public.get(
                f"/public/alpha/meetings/sessions/{self.session.pk}/popolo.json"
            ).status_code,
            404,
        )
        self.assertEqual(public.get("/public/nowhere/meetings/").status_code, 404)


class DashboardAndNastyInputTests(PlenaryTestCase):
    def test_the_dashboard_shows_the_meetings_figures(self) -> None:
        page = speaking(self.login(self.alice), "en").get("/o/alpha/")
        self.assertContains(page, "Convened sessions")
        self.assertContains(page, "Minutes not yet signed")

    def test_a_malformed_convocation_id_is_a_404_not_a_500(self) -> None:
        session = self.new_session(at("2026-03-11", 19))
        client = self.login(self.councillor)
        for value in ("abc", "", "-1"):
            response = client.post(
                f"/o/alpha/meetings/sessions/{session.pk}/acknowledge/", {"convocation": value}
            )
            self.assertEqual(response.status_code, 404, value)

    def test_joining_without_a_video_server_is_refused_with_a_reason(self) -> None:
        session = self.new_session(at("2026-03-11", 19), mode="mixed", remote_justification="ROM")
        client = speaking(self.api(self.councillor), "en")
        response = client.post(f"/api/v1/o/alpha/meetings/sessions/{session.pk}/join/")
        self.assertEqual(response.status_code, 400)


class SeatsApiTests(PlenaryTestCase):
    def test_a_committee_member_with_a_weight_is_added_through_the_api(self) -> None:
        client = speaking(self.api(self.alice), "en")
        body = client.post("/api/v1/o/alpha/meetings/bodies/", {
            "kind": "committee", "name": "Comissió de Comptes", "code": "cec", "legal_members": 3,
            "weighted_voting": True,
        }, format="json").json()  # fmt: skip
        url = f"/api/v1/o/alpha/meetings/bodies/{body['id']}/seats/"
        added = client.post(url, {"name": "Pau Regidor", "office": "councillor", "start": "2023-06-17",
                                  "weight": "2.50", "user": self.councillor.pk}, format="json")  # fmt: skip
        self.assertEqual(added.status_code, 201, added.content)
        self.assertEqual(added.json()["weight"], "2.50")
        self.assertEqual([row["name"] for row in client.get(url).json()], ["Pau Regidor"])
        stranger = client.post(url, {"name": "X", "office": "councillor", "start": "2023-06-17",
                                     "user": self.charlie.pk}, format="json")  # fmt: skip
        self.assertEqual(stranger.status_code, 404)  # a user of another organization
