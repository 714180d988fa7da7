"""Issue an API token for a user and print it. Use it as `Authorization: Token <key>`."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        self.stdout.write(api_token_issue(actor=None, user=user).key)
