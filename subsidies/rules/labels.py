"""Chinese labels of the rules' parameter codes, of the keys inside parameter values and of evidence kinds, and the
line formats the admin edits them in (the stored codes and JSON stay as subsidy_rules.md names them)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

PARAM_LABELS = {
    "amount": "奖励金额（元）", "annual_cap": "年度上限（元）", "cap": "上限（元）", "cap_per_work": "每部作品上限（元）",
    "caps": "分级上限（元）", "cumulative_cap": "累计上限（元）", "engineering_rate": "工程类比例",
    "fee_threshold": "费用门槛（元）", "max_years": "最长年限（年）", "min_enterprises": "最少企业数（家）",
    "min_growth": "最低增长率", "min_revenue": "最低营业收入（元）", "mpw_rate": "工程设计类比例",
    "per_enterprise": "每家企业金额（元）", "rate": "比例", "rates": "分级标准（元）", "thresholds": "阶梯（门槛，金额）",
    "tiers": "档次金额（元）",
}
VALUE_KEY_LABELS = {
    "national": "国家级", "provincial": "省级", "municipal": "市级", "regional": "区域级",
    "national_base": "国家级基地", "national_enterprise": "国家级企业",
}
EVIDENCE_KIND_LABELS = {"invoice": "发票或费用凭证", "certificate": "证书或证明", "other": "其他材料"}
EVIDENCE_KEY_LABELS = {"kind": "材料类型", "label": "名称", "required": "是否必须"}
REQUIRED_LABELS = {True: "必须", False: "可选"}

PARAM_HELP = ("单个数值直接填写（如 0.30 或 300000）；分项取值每行一项，写“项目：数值”（如 国家级：500000）；"
              "阶梯每行一档，写“门槛，金额”（如 10000000，100000）。")
EVIDENCE_HELP = "每行一项材料，写“材料类型｜名称｜必须/可选”；材料类型可填：" + "、".join(EVIDENCE_KIND_LABELS.values()) + "。"


def param_label(name: str) -> str:
    return PARAM_LABELS.get(name, name)


def key_label(key: str) -> str:
    return VALUE_KEY_LABELS.get(key, key)


def param_lines(value: Any) -> str:
    """A parameter value as the lines the admin edits (see ``PARAM_HELP``)."""
    if isinstance(value, dict):
        return "\n".join(f"{key_label(str(k))}：{v}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join("，".join(str(x) for x in row) if isinstance(row, list) else str(row) for row in value)
    return "" if value is None else str(value)


def param_text(value: Any) -> str:
    """A parameter value as one line of text (lists, read-only views)."""
    return param_lines(value).replace("\n", "；") or "无"


def parse_param_lines(text: str) -> Any:
    """The lines of ``param_lines`` back to the stored JSON; unknown item names are refused in Chinese."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationError("请填写取值。")
    if any(re.search("[：:]", line) for line in lines):
        by_label = {label: key for key, label in VALUE_KEY_LABELS.items()}
        value: dict[str, str] = {}
        for line in lines:
            parts = [p.strip() for p in re.split("[：:]", line)]
            if len(parts) != 2 or not all(parts):
                raise ValidationError(f"无法识别的行“{line}”：应写“项目：数值”。")
            key = by_label.get(parts[0], parts[0])
            if key == parts[0] and re.search("[^0-9A-Z]", key):  # neither a label nor a grade (3, CS3)
                raise ValidationError(f"未知的项目“{parts[0]}”（可用：{'、'.join(VALUE_KEY_LABELS.values())}）。")
            value[key] = parts[1]
        return value
    if any(re.search("[，,]", line) for line in lines):
        rows = [[p.strip() for p in re.split("[，,]", line)] for line in lines]
        if any(len(row) != 2 or not all(row) for row in rows):
            raise ValidationError("阶梯每行应写“门槛，金额”两项。")
        return rows
    if len(lines) > 1:
        raise ValidationError("单个数值只写一行；分项取值请写“项目：数值”。")
    return lines[0]


def evidence_lines(value: Any) -> str:
    """An evidence list as lines “材料类型｜名称｜必须/可选”."""
    return "\n".join(f"{EVIDENCE_KIND_LABELS.get(str(r.get('kind')), r.get('kind'))}｜{r.get('label', '')}｜"
                     f"{REQUIRED_LABELS[bool(r.get('required'))]}" for r in value or [] if isinstance(r, dict))


def parse_evidence_lines(text: str) -> list[dict[str, Any]]:
    by_label = {label: kind for kind, label in EVIDENCE_KIND_LABELS.items()}
    by_required = {label: flag for flag, label in REQUIRED_LABELS.items()}
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split("[｜|]", line)]
        if len(parts) != 3 or parts[0] not in by_label or not parts[1] or parts[2] not in by_required:
            raise ValidationError(f"无法识别的行“{line.strip()}”：应写“材料类型｜名称｜必须/可选”，"
                                  f"材料类型可填：{'、'.join(EVIDENCE_KIND_LABELS.values())}。")
        items.append({"kind": by_label[parts[0]], "label": parts[1], "required": by_required[parts[2]]})
    return items
