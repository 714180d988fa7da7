import io

from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_org, make_user, use_temporary_media
from ajunta.meetings import demo
from ajunta.meetings.models import Minutes, MinutesStatus, Session, SessionStatus


class DemoTests(TenantTestCase):
    def setUp(self) -> None:
        use_temporary_media(self)

    def test_the_demo_council_has_a_signed_minutes_and_a_convened_session(self) -> None:
        org = make_org("rajadell", population=534)
        secretary = make_user("secretaria.agrupada", org, Role.MUNICIPAL_ADMIN, first_name="Anna")
        out = io.StringIO()
        demo.seed(orgs={"rajadell": org}, users={"secretaria.agrupada": secretary}, stdout=out)
        demo.seed(orgs={"rajadell": org}, users={"secretaria.agrupada": secretary}, stdout=out)
        signed = Minutes.objects.get(organization=org, status=MinutesStatus.SIGNED)
        self.assertEqual(signed.number, "PLE-A-2026/1")
        statuses = sorted(Session.objects.filter(organization=org).values_list("status", flat=True))
        self.assertEqual(
            statuses, sorted([SessionStatus.CLOSED, SessionStatus.CLOSED, SessionStatus.CONVENED])
        )
        public = self.client_class().get("/public/rajadell/meetings/")
        self.assertContains(public, "PLE-A-2026/1")
