"""calculate_award CODE --facts JSON [--history JSON] [--on YYYY-MM-DD]: the calculator JSON on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from subsidies.calculator import CalculationError, calculate


class Command(BaseCommand):
    help = "按 subsidy_rules.md 计算某条奖补规则的最高可获金额；输入有误时在标准错误输出说明并以状态码 2 退出。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code", help="规则编号，如 DE-09")
        parser.add_argument("--facts", required=True, help='事实 JSON，如 \'{"compute_service_invoiced": 800000}\'')
        parser.add_argument("--history", default=None, help='已获奖补 JSON 列表 [{"rule","amount","date","key"}]')
        parser.add_argument("--on", default=None, help="计算日期 YYYY-MM-DD（默认今天）")

    def _fail(self, message: str) -> None:
        sys.stderr.write(message.rstrip() + "\n")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            facts = json.loads(options["facts"])
        except json.JSONDecodeError as exc:
            self._fail(f"--facts 不是有效的 JSON：{exc}")
        history = None
        if options["history"] is not None:
            try:
                history = json.loads(options["history"])
            except json.JSONDecodeError as exc:
                self._fail(f"--history 不是有效的 JSON：{exc}")
        try:
            result = calculate(options["code"], facts, history=history, on=options["on"])
        except CalculationError as exc:
            self._fail(str(exc))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
