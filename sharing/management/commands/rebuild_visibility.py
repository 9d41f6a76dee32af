"""``manage.py rebuild_visibility``: recompute the audience rows the sharing scopes read (docs/adr/0015), set-based.
Run after bulk loading rows past the services (the benchmark loader does); the services keep them otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "重建共享申请、共享授权和授权开放申请的可见单位表（批量导入数据后运行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        from sharing.visibility import rebuild

        counts = rebuild()
        self.stdout.write("已重建可见单位表：" + "，".join(f"{table} {rows} 行" for table, rows in counts.items()) + "。")
