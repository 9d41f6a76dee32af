"""Typed facts of the calculator: declaration, parsing and validation (errors are Chinese, per fact)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
MAX_NUMBER = 10**12  # no fact (yuan, head count, area) comes near it; larger values would overflow the amounts
TOO_LARGE = "数值过大：不能超过 1 万亿"

MONEY, INT, BOOL, CHOICE, MULTI, TEXT, DECIMAL = "money", "int", "bool", "choice", "multi_choice", "text", "decimal"
TYPE_LABELS = {MONEY: "金额（元）", INT: "整数", BOOL: "是/否", CHOICE: "单选", MULTI: "多选", TEXT: "文本",
               DECIMAL: "数值"}


def money(value: Any) -> Decimal:
    """The one rounding helper: yuan to the cent, ROUND_HALF_UP."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return str(money(value))


def show(value: Decimal) -> str:
    """A trace value: to the cent when the value is exact at the cent, else every digit. Intermediate parts of a
    calculation are never rounded (only the result is, once), so the trace shows them as they are."""
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents == value:
        return str(cents)
    return f"{value.normalize():f}"


def normalize_key(value: Any) -> str:
    """A project/licence/work identifier as compared: case and runs of white space do not distinguish two keys
    ("LIC-001" and " lic-001" are the same licence)."""
    return " ".join(str(value or "").split()).casefold()


class CalculationError(ValidationError, ValueError):
    """Bad calculator input: unknown rule, unknown/missing facts, wrong types, negative money.

    ``str(exc)`` is a Chinese summary; ``exc.errors`` maps a fact name (or ``history``/``on``/``rule``) to its message.
    """

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        self.summary = message
        self.errors: dict[str, str] = dict(errors or {})
        super().__init__(message)

    def __str__(self) -> str:
        details = [f"{k}：{v}" for k, v in self.errors.items() if v != self.summary]
        return self.summary + ("：" + "；".join(details) if details else "")

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.summary, "errors": self.errors}


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    type: str
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, Chinese label)
    min_value: int | None = None
    max_value: int | None = None
    false_reason: str = ""  # for bool facts: why False makes the result ineligible

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type,
                               "type_label": TYPE_LABELS[self.type], "required": self.required, "help": self.help}
        if self.choices:
            out["choices"] = [{"value": v, "label": lab} for v, lab in self.choices]
        if self.min_value is not None:
            out["min"] = self.min_value
        if self.max_value is not None:
            out["max"] = self.max_value
        return out

    def parse(self, raw: Any) -> Any:
        """Convert one raw JSON value; raise ``ValueError`` with a Chinese message."""
        if self.type == MONEY or self.type == DECIMAL:
            if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
                raise ValueError("应为数字（金额请填写元，如 \"800000\" 或 800000）")
            try:
                value = Decimal(str(raw).strip().replace(",", ""))
            except InvalidOperation:
                raise ValueError(f"“{raw}”不是有效的数字") from None
            if not value.is_finite():
                raise ValueError("不是有效的数字")
            if value.copy_abs() > MAX_NUMBER:
                raise ValueError(TOO_LARGE)
            if value < 0:
                raise ValueError("金额不能为负数" if self.type == MONEY else "不能为负数")
            if self.type == MONEY and value != value.quantize(CENT):
                raise ValueError("金额最多保留两位小数（分）")
            return value
        if self.type == INT:
            if isinstance(raw, bool):
                raise ValueError("应为整数")
            if isinstance(raw, int):
                value_i = raw
            elif isinstance(raw, float | str | Decimal):
                try:
                    d = Decimal(str(raw).strip())
                except InvalidOperation:
                    raise ValueError(f"“{raw}”不是整数") from None
                if not d.is_finite() or d != d.to_integral_value():
                    raise ValueError(f"“{raw}”不是整数")
                if d.copy_abs() > MAX_NUMBER:
                    raise ValueError(TOO_LARGE)
                value_i = int(d)
            else:
                raise ValueError("应为整数")
            if abs(value_i) > MAX_NUMBER:
                raise ValueError(TOO_LARGE)
            if self.min_value is not None and value_i < self.min_value:
                raise ValueError(f"不能小于 {self.min_value}")
            if self.max_value is not None and value_i > self.max_value:
                raise ValueError(f"不能大于 {self.max_value}")
            return value_i
        if self.type == BOOL:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.strip().lower() in {"true", "是", "1", "yes"}:
                return True
            if isinstance(raw, str) and raw.strip().lower() in {"false", "否", "0", "no"}:
                return False
            raise ValueError("应为 true 或 false（是/否）")
        allowed = [v for v, _ in self.choices]
        if self.type == CHOICE:
            if not isinstance(raw, str) or raw not in allowed:
                raise ValueError(f"应为以下之一：{'、'.join(allowed)}")
            return raw
        if self.type == MULTI:
            if not isinstance(raw, list) or not raw:
                raise ValueError(f"应为非空列表，元素取自：{'、'.join(allowed)}")
            bad = [str(v) for v in raw if not isinstance(v, str) or v not in allowed]
            if bad:
                raise ValueError(f"无效的取值：{'、'.join(bad)}（可选：{'、'.join(allowed)}）")
            return list(dict.fromkeys(raw))
        if self.type == TEXT:
            if not isinstance(raw, str | int) or isinstance(raw, bool):
                raise ValueError("应为文本")
            text = str(raw).strip()
            if len(text) > 100:
                raise ValueError("不能超过100个字符")
            return text
        raise AssertionError(self.type)


def parse_facts(facts_decl: tuple[Fact, ...], raw: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validated facts; ``partial`` (drafts) tolerates missing facts but not unknown or malformed ones."""
    if not isinstance(raw, dict):
        raise CalculationError("facts 应为 JSON 对象（键为事实名称）", {"facts": "应为 JSON 对象"})
    known = {f.name: f for f in facts_decl}
    errors: dict[str, str] = {}
    for name in raw:
        if name not in known:
            errors[str(name)] = f"未知的事实项（本规则可用：{'、'.join(known) or '无'}）"
    out: dict[str, Any] = {}
    for fact in facts_decl:
        if fact.name not in raw or raw[fact.name] is None or raw[fact.name] == "":
            if fact.required and not partial:
                errors[fact.name] = f"缺少必填项：{fact.label}"
            continue
        try:
            out[fact.name] = fact.parse(raw[fact.name])
        except ValueError as exc:
            errors[fact.name] = f"{fact.label}：{exc}"
    if errors:
        raise CalculationError("输入的事实有误", errors)
    return out


@dataclass(frozen=True)
class HistoryItem:
    rule: str
    amount: Decimal
    date: dt.date
    key: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, str]:
        out = {"rule": self.rule, "amount": fmt(self.amount), "date": self.date.isoformat()}
        if self.key:
            out["key"] = self.key
        return out


def parse_history(raw: Any, *, known_rules: Collection[str] = (), on: dt.date | None = None) -> list[HistoryItem]:
    """Validated history. With ``known_rules`` a rule code outside them is an error; with ``on`` an explicit (JSON)
    item dated after ``on`` is an error. ``HistoryItem`` objects come from the award register and are taken as they
    are (an award approved for a later event still counts against the caps of an earlier one)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CalculationError("history 应为列表", {"history": "应为列表"})
    items: list[HistoryItem] = []
    errors: dict[str, str] = {}
    for i, item in enumerate(raw):
        where = f"history[{i}]"
        if isinstance(item, HistoryItem):
            if known_rules and item.rule not in known_rules:
                errors[where] = f"未知的奖补规则编号：{item.rule}"
                continue
            items.append(item)
            continue
        if not isinstance(item, dict):
            errors[where] = "应为对象 {rule, amount, date, key}"
            continue
        extra = set(item) - {"rule", "amount", "date", "key"}
        if extra:
            errors[where] = f"未知字段：{'、'.join(sorted(map(str, extra)))}"
            continue
        missing = [k for k in ("rule", "amount", "date") if k not in item]
        if missing:
            errors[where] = f"缺少字段：{'、'.join(missing)}"
            continue
        try:
            amount = Fact("amount", "金额", MONEY).parse(item["amount"])
        except ValueError as exc:
            errors[where] = f"amount：{exc}"
            continue
        rule = str(item["rule"]).strip().upper()
        if known_rules and rule not in known_rules:
            errors[where] = f"未知的奖补规则编号：{item['rule']}（已获奖补须注明本系统的规则编号，如 DE-03）"
            continue
        try:
            day = dt.date.fromisoformat(str(item["date"]))
        except ValueError:
            errors[where] = "date 应为 YYYY-MM-DD"
            continue
        if on is not None and day > on:
            errors[where] = (f"date {day.isoformat()} 晚于计算日期 {on.isoformat()}（已获奖补须在计算日期当日或之前；"
                             "请核对 date，或将 on 设为实际申报日期）")
            continue
        items.append(HistoryItem(rule=rule, amount=amount, date=day,
                                 key=str(item.get("key") or "").strip()))
    if errors:
        raise CalculationError("history 有误", errors)
    return items


def parse_on(raw: Any) -> dt.date:
    if raw is None or raw == "":
        from django.utils import timezone

        return timezone.localdate()
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise CalculationError("on 应为日期 YYYY-MM-DD", {"on": "应为日期 YYYY-MM-DD"}) from None
