"""Issue an API token for a user and print it. Use it as `Authorization: Token <key>`."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp import match_token

from ajunta.core.authentication import holds_provider_role, token_expires_at
from ajunta.core.services import api_token_issue


class Command(BaseCommand):
    help = (
        "Issue (or replace) USERNAME's API token and print it. It carries exactly the user's "
        "roles. A user who must use a second factor (every provider role) needs --otp with a "
        "current code from their authenticator app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--otp", default="", help="A current code of the user's second factor.")

    def handle(self, *args: Any, username: str, otp: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        verified = False
        if otp:
            if match_token(user, otp.strip()) is None:
                raise CommandError("That code does not match any of the user's devices.")
            verified = True
        try:
            token = api_token_issue(actor=None, user=user, second_factor_verified=verified)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Pass --otp CODE.") from exc
        self.stdout.write(token.key)  # alone on stdout, for scripts
        expires_at = token_expires_at(token.created, provider=holds_provider_role(user))
        self.stderr.write(
            f"Valid until {expires_at:%Y-%m-%d %H:%M %Z}." if expires_at else "Never expires."
        )
