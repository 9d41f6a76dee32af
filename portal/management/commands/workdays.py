from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.workdays import add_workdays_explained, day_info


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text!r}") from None


class Command(BaseCommand):
    help = "工作日计算：`workdays add YYYY-MM-DD N`（起算日不计）或 `workdays is YYYY-MM-DD`。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="N 个工作日之后的日期")
        add.add_argument("date")
        add.add_argument("n", type=int)
        is_ = sub.add_parser("is", help="workday 或 holiday")
        is_.add_argument("date")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _date(options["date"])
        if options["op"] == "add":
            result, estimated = add_workdays_explained(day, options["n"])
            self.stdout.write(result.isoformat())
            if estimated:
                self.stderr.write("注意：部分日期无官方节假日数据，按周一至周五估算。")
        else:
            info = day_info(day)
            self.stdout.write("workday" if info.is_workday else "holiday")
            if info.is_estimate:
                self.stderr.write("注意：该年无官方节假日数据，按周一至周五估算。")
