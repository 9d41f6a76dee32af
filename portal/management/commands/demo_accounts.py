from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.demo import print_accounts, stored_password


class Command(BaseCommand):
    help = "列出演示账户（make run 使用）。"

    def handle(self, *args: Any, **options: Any) -> None:
        print_accounts(stored_password(), self.stdout.write)
