"""Done when (issue 22): a 600-inhabitant council's plenary convened with correct notice, held in
mixed mode with one member online through the video room and quorum per item; votes recorded and
locked; minutes generated, approved at the next session, signed and numbered; the agreement in its
case file; open data and the minutes XML produced; the public site shows the approved minutes."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import jsonschema
import jwt
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import translation
from lxml import etree

from ajunta.cases import selectors as case_selectors
from ajunta.core.integrity import verify_records
from ajunta.core.testing import speaking
from ajunta.meetings import opendata, selectors, services
from ajunta.meetings.models import (
    AgendaItem,
    AttendanceEvent,
    ItemKind,
    ItemStatus,
    Minutes,
    MinutesStatus,
    SessionMode,
    SessionStatus,
)
from ajunta.meetings.tests.base import PlenaryTestCase, at
from ajunta.noticeboard.models import Edict

VIDEO = {
    "VIDEO_SERVER_URL": "https://meet.example.org",
    "VIDEO_JWT_APP_ID": "ajunta",
    "VIDEO_JWT_SECRET": "s3cret-for-tests-only-0123456789abcdef",
}


@override_settings(**VIDEO)
class PlenaryJourneyTests(PlenaryTestCase):
    @translation.override("en")  # the minutes are written in the language active when drafted
    def test_the_plenary_from_convocation_to_signed_minutes(self) -> None:
        org, alice = self.org_a, self.alice
        case = self.case()
        # Convened on Friday 27 February 2026 for Wednesday 4 March: Monday and Tuesday pass.
        session = self.new_session(
            at("2026-03-04", 19), mode=SessionMode.MIXED,
            remote_justification="Reglament orgànic municipal, art. 12: assistència telemàtica.",
        )  # fmt: skip
        item = self.propose(session, case=case, title="Ordenança fiscal de la taxa d'escombraries")
        with time_machine.travel(at("2026-02-27", 9), tick=False):
            services.session_convene(org=org, actor=alice, session=session, now=at("2026-02-27", 9))
        session.refresh_from_db()
        self.assertEqual(session.status, SessionStatus.CONVENED)
        self.assertEqual(session.number, "PLE-2026/1")
        self.assertEqual(session.convocations.count(), 8)  # 7 councillors and the secretary
        self.assertEqual(len(mail.outbox), 0)  # e-mail leaves after commit; TestCase never commits
        agenda = list(selectors.items(org=org, session=session, included_only=True))
        self.assertEqual([i.kind for i in agenda], [ItemKind.PROPOSAL, ItemKind.QUESTIONS])
        self.assertEqual([i.position for i in agenda], [1, 2])
        # The convocation is on the notice board until the session day, with the agenda PDF.
        edict = Edict.objects.get(organization=org, reference="PLE-2026/1")
        self.assertEqual(
            (edict.starts_on, edict.ends_on), (dt.date(2026, 2, 27), dt.date(2026, 3, 4))
        )
        self.assertIn("1. Ordenança fiscal de la taxa d'escombraries", edict.body)
        self.assertEqual(edict.document.sha256, session.agenda_document.sha256)  # type: ignore[union-attr]

        # Held in mixed mode: five in the room, one councillor joins through the video room.
        for member in (self.m_mayor, self.m_secretary, *self.m_others[:3]):
            self.arrive(session, member, at("2026-03-04", 18, 55))
        services.session_open(org=org, actor=alice, session=session, now=at("2026-03-04", 19))
        client = self.login(self.councillor)
        with time_machine.travel(at("2026-03-04", 19, 5), tick=False):
            response = client.post(f"/o/alpha/meetings/sessions/{session.pk}/join/")
        translation.activate("en")  # the request left its organization's language active
        self.assertEqual(response.status_code, 302)
        link = urlsplit(response["Location"])
        self.assertEqual(f"{link.scheme}://{link.netloc}", "https://meet.example.org")
        token = parse_qs(link.query)["jwt"][0]
        claims = jwt.decode(token, VIDEO["VIDEO_JWT_SECRET"], algorithms=["HS256"], audience="jitsi",
                            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})  # fmt: skip
        self.assertEqual(claims["context"]["user"]["name"], "Pau Regidor")
        self.assertFalse(claims["moderator"])
        online = AttendanceEvent.objects.get(session=session, member=self.m_online)
        self.assertTrue(online.remote)
        self.assertEqual(online.source, "video")
        self.assertEqual(online.at, at("2026-03-04", 19, 5))

        quorum = selectors.session_quorum(org=org, session=session, at=at("2026-03-04", 19, 10))
        self.assertEqual(
            (quorum.present, quorum.remote, quorum.required, quorum.ok), (5, 1, 3, True)
        )

        # The vote, by roll call; the item is locked.
        ballots = {self.m_mayor.pk: "yes", self.m_online.pk: "yes", self.m_others[0].pk: "yes",
                   self.m_others[1].pk: "no", self.m_others[2].pk: "abstain"}  # fmt: skip
        decided = services.item_decide(
            org=org, actor=alice, item=item, vote_method="roll_call", ballots=ballots,
            deliberation="El regidor 2 demana ajornar-ho.", time_code=125,
            now=at("2026-03-04", 19, 20),
        )  # fmt: skip
        self.assertEqual((decided.votes_yes, decided.votes_no, decided.votes_abstain), (3, 1, 1))
        self.assertEqual(decided.result, "approved")
        self.assertEqual(decided.agreement, "Aprovar l'ordenança.")
        self.assertEqual(decided.present, 5)
        with self.assertRaisesMessage(ValidationError, "decided and locked"):
            services.item_decide(org=org, actor=alice, item=decided, vote_method="secret",
                                 counts={"yes": 0, "no": 5}, now=at("2026-03-04", 19, 21))  # fmt: skip
        with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE meetings_agendaitem SET agreement = 'altered' WHERE id = %s",
                           [item.pk])  # fmt: skip

        page = speaking(self.login(alice), "en").get(f"/o/alpha/meetings/sessions/{session.pk}/")
        self.assertContains(page, "5 / 3: quorum")
        self.assertContains(page, "1 online")
        translation.activate("en")

        questions = agenda[1]
        services.item_decide(org=org, actor=alice, item=questions, deliberation="Cap pregunta.",
                             now=at("2026-03-04", 19, 40))  # fmt: skip
        services.session_close(org=org, actor=alice, session=session, now=at("2026-03-04", 20),
                               recording_sha256="ab" * 32)  # fmt: skip
        minutes = services.minutes_generate(org=org, actor=alice, session=session)
        self.assertIn("Pau Regidor (Councillor, online)", minutes.body)
        self.assertIn("Regidor 4 (Councillor)", minutes.body.split("Absent:")[1])
        self.assertIn("3 yes, 1 no, 1 abstentions", minutes.body)
        minutes = services.minutes_amend(org=org, actor=alice, minutes=minutes,
                                         body=minutes.body + "\n\nCorrecció: l'acta s'esmena.")  # fmt: skip
        self.assertEqual(minutes.revision, 2)

        # Approved at the next session, then signed by the secretary and the mayor.
        following = self.new_session(at("2026-04-08", 19))
        approval = self.propose(following, kind=ItemKind.MINUTES, title="Aprovació de l'acta anterior",
                                proposal="", minutes_of=session)  # fmt: skip
        services.session_convene(org=org, actor=alice, session=following, now=at("2026-04-01", 9))
        for member in (self.m_mayor, self.m_secretary, *self.m_others):
            self.arrive(following, member, at("2026-04-08", 18, 55))
        services.session_open(org=org, actor=alice, session=following, now=at("2026-04-08", 19))
        services.item_decide(org=org, actor=alice, item=approval, vote_method="show_of_hands",
                             ballots={m.pk: "yes" for m in (self.m_mayor, *self.m_others)},
                             now=at("2026-04-08", 19, 5))  # fmt: skip
        minutes.refresh_from_db()
        self.assertEqual(minutes.status, MinutesStatus.APPROVED)
        self.assertEqual(minutes.approved_in, following)
        with self.assertRaisesMessage(ValidationError, "Approved minutes cannot be amended"):
            services.minutes_amend(org=org, actor=alice, minutes=minutes, body="Una altra acta")
        with self.assertRaisesMessage(ValidationError, "signed by the secretary and the mayor"):
            services.minutes_sign(org=org, actor=self.councillor, minutes=minutes)
        services.minutes_sign(org=org, actor=alice, minutes=minutes, now=at("2026-04-09", 9))
        minutes = services.minutes_sign(org=org, actor=self.mayor, minutes=minutes,
                                        now=at("2026-04-09", 10))  # fmt: skip
        self.assertEqual(minutes.status, MinutesStatus.SIGNED)
        self.assertEqual(minutes.number, "PLE-A-2026/1")
        self.assertTrue(minutes.content_hash)
        self.assertEqual(minutes.document.content_type, "application/pdf")
        with self.assertRaises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE meetings_minutes SET body = 'altered' WHERE id = %s", [minutes.pk]
            )
        self.assertFalse(verify_records([org]).problems)

        # The agreement is in its case file.
        documents = list(case_selectors.case_documents(org=org, case=case))
        self.assertEqual(len(documents), 1)
        self.assertIn("Certificate of agreement: PLE-2026/1, item 1", documents[0].title)
        item.refresh_from_db()
        self.assertEqual(item.certificate_document_id, documents[0].document_id)

        # Open data: the Popolo JSON against its schema, the Akoma Ntoso XML parses.
        public = self.client_class()
        data = public.get(f"/public/alpha/meetings/sessions/{session.pk}/popolo.json").json()
        jsonschema.validate(data, opendata.popolo_schema())
        vote = data["vote_events"][0]
        self.assertEqual(vote["result"], "pass")
        self.assertEqual(len(vote["votes"]), 5)
        self.assertNotIn("example.org", json.dumps(data))  # no e-mail addresses published
        xml = public.get(f"/public/alpha/meetings/sessions/{session.pk}/minutes.akn.xml")
        self.assertEqual(xml.status_code, 200)
        root = etree.fromstring(xml.content)
        ns = {"akn": opendata.AKN_NS}
        self.assertEqual(len(root.findall(".//akn:debateSection", ns)), 1)
        self.assertEqual(len(root.findall(".//akn:questions", ns)), 1)
        self.assertEqual(root.find(".//akn:FRBRWork/akn:FRBRdate", ns).get("date"), "2026-03-04")
        self.assertEqual(root.find(".//akn:recording", ns).get("sha256"), "ab" * 32)

        # The public site shows the approved and signed minutes.
        listing = public.get("/public/alpha/meetings/")
        self.assertContains(listing, "PLE-A-2026/1")
        shown = public.get(f"/public/alpha/meetings/sessions/{session.pk}/")
        self.assertContains(shown, "Correcció: l&#x27;acta s&#x27;esmena.")


class NoticeTests(PlenaryTestCase):
    def test_a_convocation_two_days_short_is_refused_unless_urgent(self) -> None:
        # Friday 6 March 2026: the weekend does not count; Monday and Tuesday must pass whole.
        for day in ("2026-03-09", "2026-03-10"):
            session = self.new_session(at(day, 19))
            self.propose(session)
            with self.assertRaisesMessage(ValidationError, "Too late to convene"):
                services.session_convene(org=self.org_a, actor=self.alice, session=session,
                                         now=at("2026-03-06", 12))  # fmt: skip
            session.refresh_from_db()
            self.assertEqual(session.status, SessionStatus.DRAFT)
            self.assertEqual(session.convocations.count(), 0)
        urgent = self.new_session(at("2026-03-09", 19), kind="urgent")
        self.propose(urgent)
        services.session_convene(
            org=self.org_a, actor=self.alice, session=urgent, now=at("2026-03-06", 12)
        )
        ordinary = self.new_session(at("2026-03-11", 19))
        self.propose(ordinary)
        ordinary = services.session_convene(
            org=self.org_a, actor=self.alice, session=ordinary, now=at("2026-03-06", 12)
        )
        self.assertEqual(ordinary.status, SessionStatus.CONVENED)

    def test_a_remote_session_needs_a_recorded_justification(self) -> None:
        with self.assertRaisesMessage(ValidationError, "recorded reason"):
            self.new_session(at("2026-03-11", 19), mode=SessionMode.REMOTE)

    def test_members_acknowledge_their_own_convocation_only(self) -> None:
        session = self.new_session(at("2026-03-11", 19))
        self.propose(session)
        services.session_convene(
            org=self.org_a, actor=self.alice, session=session, now=at("2026-03-06", 12)
        )
        mine = session.convocations.get(member=self.m_online)
        with self.assertRaisesMessage(ValidationError, "Only the convened member"):
            services.convocation_acknowledge(org=self.org_a, actor=self.mayor, convocation=mine)
        client = speaking(self.login(self.councillor), "en")
        page = client.get("/o/alpha/meetings/my/")
        self.assertContains(page, "Acknowledge receipt")
        response = client.post(
            f"/o/alpha/meetings/sessions/{session.pk}/acknowledge/", {"convocation": mine.pk}
        )
        self.assertEqual(response.status_code, 302)
        mine.refresh_from_db()
        self.assertIsNotNone(mine.acknowledged_at)
        self.assertNotContains(client.get("/o/alpha/meetings/my/"), "Acknowledge receipt")


class QuorumAndVoteTests(PlenaryTestCase):
    def held(self, **fields: object) -> object:
        session = self.new_session(at("2026-03-11", 19), **fields)
        self.propose(session)
        services.session_convene(
            org=self.org_a, actor=self.alice, session=session, now=at("2026-03-06", 12)
        )
        return session

    def test_no_session_without_the_secretary_or_three_members(self) -> None:
        session = self.held()
        for member in (self.m_mayor, *self.m_others[:3]):
            self.arrive(session, member, at("2026-03-11", 18, 50))
        with self.assertRaisesMessage(ValidationError, "the secretary is not present"):
            services.session_open(
                org=self.org_a, actor=self.alice, session=session, now=at("2026-03-11", 19)
            )
        self.arrive(session, self.m_secretary, at("2026-03-11", 18, 55))
        for member in self.m_others[1:3]:
            services.attendance_record(org=self.org_a, actor=self.alice, session=session, member=member,
                                       kind="leave", at=at("2026-03-11", 18, 58))  # fmt: skip
        with self.assertRaisesMessage(ValidationError, "2 members present, 3 required"):
            services.session_open(
                org=self.org_a, actor=self.alice, session=session, now=at("2026-03-11", 19)
            )

    def test_quorum_lost_during_the_session_stops_the_votes(self) -> None:
        session = self.held()
        for member in (self.m_mayor, self.m_secretary, *self.m_others[:2]):
            self.arrive(session, member, at("2026-03-11", 18, 50))
        services.session_open(
            org=self.org_a, actor=self.alice, session=session, now=at("2026-03-11", 19)
        )
        services.attendance_record(org=self.org_a, actor=self.alice, session=session,
                                   member=self.m_others[0], kind="leave", at=at("2026-03-11", 19, 30))  # fmt: skip
        item = AgendaItem.objects.get(session=session, kind=ItemKind.PROPOSAL)
        with self.assertRaisesMessage(ValidationError, "No quorum"):
            services.item_decide(org=self.org_a, actor=self.alice, item=item, vote_method="secret",
                                 counts={"yes": 2}, now=at("2026-03-11", 19, 31))  # fmt: skip

    def test_secret_ballot_counts_cannot_exceed_members_present(self) -> None:
        session = self.held()
        for member in (self.m_mayor, self.m_secretary, *self.m_others[:2]):
            self.arrive(session, member, at("2026-03-11", 18, 50))
        services.session_open(
            org=self.org_a, actor=self.alice, session=session, now=at("2026-03-11", 19)
        )
        item = AgendaItem.objects.get(session=session, kind=ItemKind.PROPOSAL)
        with self.assertRaisesMessage(ValidationError, "More votes than members present"):
            services.item_decide(org=self.org_a, actor=self.alice, item=item, vote_method="secret",
                                 counts={"yes": 3, "no": 1}, now=at("2026-03-11", 19, 5))  # fmt: skip
        with self.assertRaisesMessage(ValidationError, "Only members present vote"):
            services.item_decide(org=self.org_a, actor=self.alice, item=item, vote_method="roll_call",
                                 ballots={self.m_others[4].pk: "yes"}, now=at("2026-03-11", 19, 5))  # fmt: skip
        decided = services.item_decide(org=self.org_a, actor=self.alice, item=item, vote_method="secret",
                                       counts={"yes": 1, "no": 1, "abstain": 1}, now=at("2026-03-11", 19, 5))  # fmt: skip
        self.assertEqual(decided.result, "rejected")  # a tie is not a majority
        self.assertEqual(decided.ballots.count(), 0)

    def test_an_urgent_motion_needs_its_urgency_voted(self) -> None:
        session = self.held()
        for member in (self.m_mayor, self.m_secretary, *self.m_others[:2]):
            self.arrive(session, member, at("2026-03-11", 18, 50))
        with self.assertRaisesMessage(ValidationError, "during the session"):
            services.item_propose(org=self.org_a, actor=self.alice, session=session, kind="urgent",
                                  title="Moció", proposal="Acord urgent")  # fmt: skip
        services.session_open(
            org=self.org_a, actor=self.alice, session=session, now=at("2026-03-11", 19)
        )
        motion = services.item_propose(org=self.org_a, actor=self.alice, session=session, kind="urgent",
                                       title="Moció", proposal="Acord urgent")  # fmt: skip
        self.assertEqual((motion.status, motion.position), (ItemStatus.INCLUDED, 3))
        with self.assertRaisesMessage(ValidationError, "Vote the urgency"):
            services.item_decide(org=self.org_a, actor=self.alice, item=motion, vote_method="secret",
                                 counts={"yes": 3}, now=at("2026-03-11", 19, 5))  # fmt: skip
        services.item_urgency_vote(org=self.org_a, actor=self.alice, item=motion, approved=True,
                                   now=at("2026-03-11", 19, 5))  # fmt: skip
        done = services.item_decide(org=self.org_a, actor=self.alice, item=motion, vote_method="secret",
                                    counts={"yes": 3}, now=at("2026-03-11", 19, 6))  # fmt: skip
        self.assertEqual(done.result, "approved")

    def test_remote_attendance_only_in_a_remote_or_mixed_session(self) -> None:
        session = self.held()
        with self.assertRaisesMessage(ValidationError, "in person only"):
            self.arrive(session, self.m_online, at("2026-03-11", 18, 50), remote=True)


class BodyRuleTests(PlenaryTestCase):
    def test_the_plenary_of_600_inhabitants_has_7_members_and_a_quorum_of_3(self) -> None:
        self.assertEqual(self.plenary.legal_members, 7)
        self.assertEqual(selectors.ordinary_period(self.plenary, 600), 3)
        with self.assertRaisesMessage(ValidationError, "legal number of members (7)"):
            services.member_add(org=self.org_a, actor=self.alice, body=self.plenary, name="Vuitè",
                                office="councillor", start=self.m_mayor.start)  # fmt: skip
        with self.assertRaisesMessage(ValidationError, "already holds this office"):
            services.member_add(org=self.org_a, actor=self.alice, body=self.plenary, name="Altre",
                                office="secretary", start=self.m_mayor.start)  # fmt: skip

    def test_own_rules_may_only_be_stricter(self) -> None:
        with self.assertRaisesMessage(ValidationError, "legal quorum is 3"):
            services.body_create(org=self.org_a, actor=self.alice, kind="plenary", name="P2",
                                 code="p2", own_quorum=2)  # fmt: skip
        with self.assertRaisesMessage(ValidationError, "at most every 3 months"):
            services.body_create(org=self.org_a, actor=self.alice, kind="plenary", name="P3",
                                 code="p3", own_period_months=4)  # fmt: skip
        strict = services.body_create(org=self.org_a, actor=self.alice, kind="plenary", name="P4",
                                      code="p4", own_quorum=4, own_period_months=1)  # fmt: skip
        self.assertEqual(selectors.ordinary_period(strict, 600), 1)

    def test_a_body_page_shows_its_rules(self) -> None:
        page = speaking(self.login(self.alice), "en").get(
            f"/o/alpha/meetings/bodies/{self.plenary.pk}/"
        )
        self.assertContains(page, "3 members, with the chair and the secretary")
        self.assertContains(page, "at least every 3 months")


class SealedRowsTests(PlenaryTestCase):
    def test_minutes_are_not_sealed_before_signing(self) -> None:
        self.assertEqual(Minutes.objects.count(), 0)
        self.assertFalse(verify_records([self.org_a]).problems)
