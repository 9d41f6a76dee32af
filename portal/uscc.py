"""统一社会信用代码 (GB 32100-2015) validation with messages that name the faulty character."""

from __future__ import annotations

from django.core.exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
REGISTRATION_AUTHORITIES = "123456789ANY"


def check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_errors(code: str) -> list[str]:
    """Every problem with ``code`` as a Chinese sentence; empty when the code is valid."""
    value = (code or "").strip().upper()
    if len(value) != 18:
        return [f"统一社会信用代码应为18位，当前为{len(value)}位。"]
    errors = []
    for pos, ch in enumerate(value, start=1):
        if ch not in ALPHABET:
            errors.append(f"第{pos}位字符“{ch}”不是合法字符（不得使用 I、O、S、V、Z 及非数字字母）。")
    if errors:
        return errors
    if value[0] not in REGISTRATION_AUTHORITIES:
        return [f"第1位“{value[0]}”不是有效的登记管理部门代码。"]
    if not value[2:8].isdigit():
        return ["第3–8位应为6位数字的行政区划码。"]
    expected = check_character(value[:17])
    if value[17] != expected:
        return [f"第18位校验码错误：应为“{expected}”，实际为“{value[17]}”。"]
    return []


def validate_uscc(code: str) -> None:
    errors = uscc_errors(code)
    if errors:
        raise ValidationError(errors, code="invalid_uscc")


def make_uscc(body17: str) -> str:
    """Complete 17 characters with their check character (demo data and factories)."""
    return body17 + check_character(body17)
