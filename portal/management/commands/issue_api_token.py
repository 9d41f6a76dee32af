from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from portal.services import api_token_issue


class Command(BaseCommand):
    help = "为用户签发 API 令牌（只显示一次；库中只存摘要）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="用途说明")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 PORTAL_API_TOKEN_TTL_DAYS 或 90）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户不存在：{options['username']}")
        with transaction.atomic():
            key = api_token_issue(user=user, name=options["name"], days=options["days"])
        self.stdout.write(key)
