"""``manage.py workdays add YYYY-MM-DD N`` / ``workdays is YYYY-MM-DD`` (docs/api.md, docs/adr/0003).

stdout is the answer (a date, or ``workday``/``holiday``); when it rests on a year without an official notice
(computed from 《全国年节及纪念日放假办法》, make-up working days unknown) the same line ends with `` 暂定`` (the first
word stays the answer) and the reason goes to stderr. ``--strict`` refuses to guess: a provisional answer then exits 3.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.workdays import PROVISIONAL_HELP, PROVISIONAL_LABEL, add_workdays_explained, day_info

EXIT_PROVISIONAL = 3


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text!r}") from None


class Command(BaseCommand):
    help = ("工作日计算：`workdays add YYYY-MM-DD N`（起算日不计）或 `workdays is YYYY-MM-DD`。"
            f"尚无国务院放假通知的年份按法定节假日推算，输出行末标注“{PROVISIONAL_LABEL}”；--strict 时以退出码 3 结束。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strict", action="store_true",
                            help=f"结果为{PROVISIONAL_LABEL}（该年无官方放假通知）时以退出码 {EXIT_PROVISIONAL} 结束")
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="N 个工作日之后的日期")
        add.add_argument("date")
        add.add_argument("n", type=int)
        is_ = sub.add_parser("is", help="workday 或 holiday")
        is_.add_argument("date")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _date(options["date"])
        if options["op"] == "add":
            result, provisional = add_workdays_explained(day, options["n"])
            answer = result.isoformat()
        else:
            info = day_info(day)
            answer, provisional = ("workday" if info.is_workday else "holiday"), info.is_provisional
        self.stdout.write(f"{answer} {PROVISIONAL_LABEL}" if provisional else answer)
        if provisional:
            self.stderr.write(f"注意：{PROVISIONAL_HELP}")
            if options["strict"]:
                raise SystemExit(EXIT_PROVISIONAL)
