"""`python manage.py price_scores FILE.json`: the price scores of interfaces.md (exit 0; bad input: exit 2)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from procurement.scoring import ScoringError, price_scores_from_json


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # pure arithmetic: must work even while other apps are misconfigured
    help = "按福建省信息化工程项目招标文件示范文本计算评标基准价和价格分（输入JSON文件，输出JSON）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输入JSON文件路径；“-”表示标准输入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if path == "-":
                import sys

                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"无法读取输入文件：{exc}", returncode=2) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"输入不是有效的JSON：{exc}", returncode=2) from None
        try:
            result = price_scores_from_json(data)
        except ScoringError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
