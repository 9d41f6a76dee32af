"""Password rules (ADR 0014), with Chinese messages: every account at least 10 characters, not all digits, not common
(Django's shipped list of 20,000), not like the username; staff accounts (and any account not known to be an
applicant: the admin's "add user", ``createsuperuser``) at least 12 characters of at least 3 character classes."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.password_validation import get_password_validators
from django.core.exceptions import ValidationError

CLASSES = (
    ("小写字母", lambda c: c in string.ascii_lowercase),
    ("大写字母", lambda c: c in string.ascii_uppercase),
    ("数字", lambda c: c.isdigit()),
    ("符号", lambda c: not c.isalnum()),
)


class MinimumLengthValidator:
    """Django's length rule with its message in Chinese (Django's zh_Hans catalog lacks the plural form)."""

    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError("密码太短，至少需要 %(min_length)d 个字符。", code="password_too_short",
                                  params={"min_length": self.min_length})

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符。"


def is_applicant(user: Any) -> bool:
    """An existing account without staff status: an applicant. A new account (not saved yet) or no account at all
    counts as staff: the stricter rules apply unless the caller is the applicant registration."""
    return user is not None and user.pk is not None and not (user.is_staff or user.is_superuser)


class StaffPasswordValidator:
    """Staff accounts: at least ``min_length`` characters and ``min_classes`` of lower case, upper case, digits and
    symbols. Applicants (see ``is_applicant``) are not held to it."""

    def __init__(self, min_length: int = 12, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if is_applicant(user):
            return
        errors = []
        if len(password) < self.min_length:
            errors.append(ValidationError("工作人员账户的密码至少需要 %(min_length)d 个字符。",
                                          code="staff_password_too_short", params={"min_length": self.min_length}))
        classes = sum(any(test(c) for c in password) for _name, test in CLASSES)
        if classes < self.min_classes:
            errors.append(ValidationError(
                "工作人员账户的密码须至少包含小写字母、大写字母、数字、符号中的 %(min_classes)d 类。",
                code="staff_password_classes", params={"min_classes": self.min_classes}))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (f"工作人员账户：至少 {self.min_length} 个字符，且至少包含小写字母、大写字母、数字、符号中的 "
                f"{self.min_classes} 类。")


def applicant_password_validators() -> list[Any]:
    """The rules for a new applicant account (registration, members added by an applicant's manager): every rule of
    AUTH_PASSWORD_VALIDATORS except the staff rule."""
    from django.conf import settings

    configured: list[dict[str, Any]] = settings.AUTH_PASSWORD_VALIDATORS  # type: ignore[assignment]
    return get_password_validators([v for v in configured if not v["NAME"].endswith(".StaffPasswordValidator")])
