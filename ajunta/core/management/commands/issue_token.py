"""Issue an API token for a user and print it. Use it as `Authorization: Token <key>`."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.authentication import token_expires_at
from ajunta.core.services import api_token_issue


class Command(BaseCommand):
    help = (
        "Issue (or replace) USERNAME's API token and print it. It carries exactly the user's roles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        token = api_token_issue(actor=None, user=user)
        self.stdout.write(token.key)  # alone on stdout, for scripts
        expires_at = token_expires_at(token.created)
        self.stderr.write(
            f"Valid until {expires_at:%Y-%m-%d %H:%M %Z}." if expires_at else "Never expires."
        )
