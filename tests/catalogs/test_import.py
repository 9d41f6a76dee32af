"""import_catalog: a good 100-row file imports everything; one bad row among 100 writes nothing and is reported."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from catalogs.models import CatalogEntry
from catalogs.services import IMPORT_COLUMNS

HEADERS = [c.header for c in IMPORT_COLUMNS]


def workbook(path, n=100, bad_row=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(n):
        row = {h: "" for h in HEADERS}
        row.update({"目录编码": f"IMP-{i:03d}", "资源名称": f"导入资源{i}", "资源摘要": "导入测试",
                    "共享类型": "无条件共享", "开放类型": "不予开放", "更新频率": "每月", "信息项": "企业名称、金额"})
        if bad_row is not None and i == bad_row:
            row["共享类型"] = "暂不共享"  # without a legal basis
        ws.append([row[h] for h in HEADERS])
    wb.save(path)
    return path


def test_good_file_imports_all_rows(tmp_path, unit_a, capsys):
    call_command("import_catalog", str(workbook(tmp_path / "ok.xlsx")), unit="QZ-A")
    assert CatalogEntry.objects.filter(source_unit=unit_a).count() == 100
    assert CatalogEntry.objects.get(code="IMP-042").items.count() == 2
    assert "已导入 100 条" in capsys.readouterr().out


def test_one_bad_row_writes_nothing_and_reports_it(tmp_path, unit_a, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("import_catalog", str(workbook(tmp_path / "bad.xlsx", bad_row=57)), unit="QZ-A")
    assert exc.value.code == 2
    assert CatalogEntry.objects.count() == 0
    err = capsys.readouterr().err
    assert "第59行“共享/开放依据”列" in err and "依据" in err  # header is row 1, data row 57 → row 59


def test_bad_cells_all_reported(tmp_path, unit_a, capsys):
    path = workbook(tmp_path / "cells.xlsx", n=3)
    wb = openpyxl.load_workbook(path)
    wb.active["D2"] = "随便共享"
    wb.active["H4"] = "每分钟"
    wb.save(path)
    with pytest.raises(SystemExit):
        call_command("import_catalog", str(path), unit="QZ-A")
    err = capsys.readouterr().err
    assert "第2行“共享类型”列" in err and "第4行“更新频率”列" in err
    assert CatalogEntry.objects.count() == 0


def test_unknown_unit_exit_2(tmp_path, db, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("import_catalog", str(io.BytesIO()), unit="NOPE")
    assert exc.value.code == 2
