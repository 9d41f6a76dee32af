"""``manage.py backup create DIR`` / ``backup restore DIR --database NAME --media-root PATH`` / ``backup verify DIR``
(docs/deployment.md § 备份与恢复; ``portal.backup``). ``verify`` runs against the database and media configured for
this process (point DATABASE_URL and PORTAL_MEDIA_ROOT at the restored copy) and exits 1 when the copy is not whole.
"""

from __future__ import annotations

import subprocess  # noqa: S404
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import backup_create, backup_restore, backup_verify


class Command(BaseCommand):
    help = "备份（pg_dump + 媒体文件 + 清单）、恢复到新数据库，以及恢复后的完整性校验（行数、审计哈希链、文件）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        sub.add_parser("create", help="备份到目录 DIR").add_argument("dir", type=Path)
        restore = sub.add_parser("restore", help="从目录 DIR 恢复到新数据库和媒体目录")
        restore.add_argument("dir", type=Path)
        restore.add_argument("--database", required=True, help="新数据库名（不得已存在）")
        restore.add_argument("--media-root", required=True, type=Path, help="新媒体目录（须为空）")
        sub.add_parser("verify", help="校验当前配置的数据库和媒体目录与备份清单一致").add_argument("dir", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["op"] == "create":
                manifest = backup_create(options["dir"])
                self.stdout.write(f"已备份：{sum(manifest['counts'].values())} 行，{len(manifest['files'])} 个文件")
            elif options["op"] == "restore":
                backup_restore(options["dir"], database=options["database"], media_root=options["media_root"])
                self.stdout.write(f"已恢复到数据库 {options['database']}，媒体目录 {options['media_root']}")
            else:
                problems = backup_verify(options["dir"])
                for line in problems:
                    self.stderr.write(line)
                if problems:
                    raise CommandError(f"恢复校验未通过：{len(problems)} 项问题", returncode=1)
                self.stdout.write("恢复校验通过：行数一致，审计哈希链完整，文件全部可读。")
        except (ImproperlyConfigured, FileExistsError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"{exc.cmd[0]} 失败：{exc.stderr.decode(errors='replace').strip()}") from None
