"""export_disbursements --year YYYY --out FILE.xlsx: the finance disbursement workbook of that year."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from subsidies.exports import export_disbursements


class Command(BaseCommand):
    help = "导出某年度已核定奖补的财政拨付表（晋江财政列：企业名称、收款人、收款人账号、单位名称、金额、指标文号…），含市县分担和汇总。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度，如 2026")
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 2000 <= year <= 2100:
            sys.stderr.write("--year 应为四位年度，如 2026\n")
            sys.exit(2)
        try:
            with open(options["out"], "wb") as out:
                result = export_disbursements(year=year, out=out)
        except OSError as exc:
            sys.stderr.write(f"无法写入 {options['out']}：{exc}\n")
            sys.exit(2)
        self.stdout.write(f"已导出 {year} 年度奖补 {result['awards']} 笔、一事一议 {result['manual']} 笔，合计 {result['total']:.2f} 元 → {options['out']}")
