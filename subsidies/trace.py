"""The calculator's trace as people read it: a Chinese caption per step, on the applicant site and in the admin.

The trace itself (a binding JSON interface, unchanged) is technical English; the pages show a Chinese caption per step,
naming the fact in Chinese where the step names one. The raw step text is never shown (not even in a title).
"""

from __future__ import annotations

import re
from typing import Any

from subsidies.rules import CalculationError, rule_facts_schema

TRACE_CAPTIONS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), c) for p, c in [
    (r"^in force", "政策适用期核对"), (r"^conditions:", "申报条件核对"), (r"^threshold: (\w+)", "门槛：{fact}"),
    (r"^growth", "增长率核对"), (r"^once per year", "每年限享受一次"), (r"^\+ rate × base: \S+ × (\w+)", "按比例累加：{fact}"),
    (r"^rate × base: \S+ × (\w+)", "按比例计算：{fact}"), (r"^rate × base", "按比例计算"), (r"^fixed amount", "定额奖补"),
    (r"^per unit: (\w+)", "按数量计算：{fact}"), (r"^tier cap: (\w+)", "分档上限：{fact}"), (r"^tier: (\w+)", "按档次：{fact}"),
    (r"^first crossing", "首次突破门槛"), (r"^highest not repeated", "就高不重复"),
    (r"^difference: − history", "扣除已获同类奖补"), (r"^difference: (\w+)", "差额补助：{fact}"),
    (r"^annual cap", "年度上限（扣除当年已获奖补）"), (r"^cumulative cap", "累计上限（扣除已获奖补）"), (r"^cap ", "金额上限"),
    (r"^result rounded", "结果四舍五入到分（中间各项不取整）"), (r"^funding", "资金分担（市级承担部分）"), (r"^\w+: (\w+)$", "计算基数：{fact}"),
]]


def trace_caption(step: str, labels: dict[str, str]) -> str:
    """A Chinese caption for one trace step (``计算步骤`` for a step the site does not know yet)."""
    for pattern, caption in TRACE_CAPTIONS:
        match = pattern.match(step)
        if match:
            fact = match.group(1) if match.groups() else ""
            return caption.format(fact=labels.get(fact, "相关数据"))
    return "计算步骤"


def trace_rows(result: dict[str, Any] | None) -> list[dict[str, str]]:
    """The calculator's trace with a Chinese caption per step (``step`` kept for code and tests, never rendered)."""
    trace = (result or {}).get("trace") or []
    labels: dict[str, str] = {}
    if trace and result and result.get("rule"):
        try:
            labels = {f["name"]: f["label"] for f in rule_facts_schema(str(result["rule"]))}
        except (KeyError, ValueError, CalculationError):
            labels = {}
    rows = []
    for item in trace:
        step = str(item.get("step", ""))
        rows.append({"caption": trace_caption(step, labels), "step": step, "value": str(item.get("value", "")),
                     "citation": str(item.get("citation", ""))})
    return rows
