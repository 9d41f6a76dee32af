from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.demo import seed_all


class Command(BaseCommand):
    help = "载入演示数据（单位、每个角色一个演示用户、目录、政策、申报、招标）；可重复执行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="重置演示用户的密码并补齐缺失的数据")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有单位时什么也不做（make run 使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        from portal.models import Organization

        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        ctx = seed_all(reset=options["reset"], log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
        if not options["if_empty"]:  # `make run` prints the accounts itself with `demo_accounts`
            from portal.demo import print_accounts

            print_accounts(ctx["password"], self.stdout.write)
