from types import SimpleNamespace

import jwt
from django.test import SimpleTestCase, override_settings

from ajunta.core.video import video_room

ORG = SimpleNamespace(pk=7, slug="alpha")


class VideoRoomTests(SimpleTestCase):
    @override_settings(VIDEO_SERVER_URL="")
    def test_no_server_no_room(self) -> None:
        self.assertIsNone(video_room(ORG, "plenary-1"))

    @override_settings(VIDEO_SERVER_URL="https://meet.example.org", VIDEO_JWT_APP_ID="")
    def test_room_name_is_stable_and_not_guessable(self) -> None:
        room = video_room(ORG, "Plenary 1")
        assert room is not None
        self.assertEqual(room, video_room(ORG, "Plenary 1"))
        self.assertNotEqual(room.name, video_room(ORG, "Plenary 2").name)  # type: ignore[union-attr]
        self.assertRegex(room.name, r"^alpha-plenary-1-[0-9a-f]{12}$")
        self.assertTrue(room.url.startswith("https://meet.example.org/alpha-plenary-1-"))
        # Without token authentication the join link is the room itself.
        self.assertEqual(room.join_url("Marta"), room.url)

    @override_settings(
        VIDEO_SERVER_URL="https://meet.example.org",
        VIDEO_JWT_APP_ID="ajunta",
        VIDEO_JWT_SECRET="a-video-server-secret-of-32-bytes!",
    )
    def test_token_names_the_person_and_the_moderator(self) -> None:
        room = video_room(ORG, "plenary-1")
        assert room is not None
        url = room.join_url("Marta Puig", "marta@example.org", moderator=True)
        token = url.split("?jwt=", 1)[1]
        claims = jwt.decode(
            token, "a-video-server-secret-of-32-bytes!", algorithms=["HS256"], audience="jitsi"
        )
        self.assertEqual(claims["room"], room.name)
        self.assertEqual(claims["iss"], "ajunta")
        self.assertEqual(claims["sub"], "meet.example.org")
        self.assertEqual(claims["context"]["user"]["name"], "Marta Puig")
        self.assertTrue(claims["context"]["user"]["moderator"])
        other = room.join_url("Pau", moderator=False).split("?jwt=", 1)[1]
        self.assertFalse(
            jwt.decode(
                other, "a-video-server-secret-of-32-bytes!", algorithms=["HS256"], audience="jitsi"
            )["moderator"]
        )
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(
                token, "another-secret-also-32-bytes-long!", algorithms=["HS256"], audience="jitsi"
            )
