"""python manage.py import_catalog FILE.xlsx --unit UNIT_CODE — all-or-nothing; bad rows reported, exit 2."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalogs.services import import_catalog
from portal.models import Organization
from portal.xlsx import XlsxImportError


class Command(BaseCommand):
    help = "从 .xlsx 导入政务数据资源目录（全部成功才写入；任何一行有误则不写入并逐行报告）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="数源单位编码，如 QZ-GXJ")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = Organization.objects.filter(code=options["unit"]).first()
        if unit is None:
            self.stderr.write(f"单位编码“{options['unit']}”不存在。")
            raise SystemExit(2)
        try:
            with open(options["file"], "rb") as fh:
                entries = import_catalog(fh, unit=unit, acting_user=None)
        except FileNotFoundError:
            self.stderr.write(f"文件不存在：{options['file']}")
            raise SystemExit(2) from None
        except XlsxImportError as exc:
            self.stderr.write(f"导入失败，未写入任何数据（{len(exc.errors)} 处错误）：")
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise SystemExit(2) from None
        self.stdout.write(f"已导入 {len(entries)} 条目录（草稿），数源单位：{unit.name}")
