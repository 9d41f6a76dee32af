"""Account forms of the applicant site: registration, login with lockout, members of an applicant organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from portal.access_log import client_ip
from portal.auth import locked_message, locked_until
from portal.models import ApplicantKind, Organization, OrgKind, OrgLevel
from portal.uscc import uscc_errors

USERNAME_REGEX = r"^[A-Za-z0-9_.@-]{4,30}$"
USERNAME_HELP = "4–30 位字母、数字或 _ . @ -"
USERNAME_INVALID = "用户名只能包含字母、数字和 _ . @ -，长度 4–30。"
PASSWORD_HELP = "至少 10 位，不能全为数字，不能过于常见，不能与用户名相似"


class LockoutFormMixin:
    """The lock check of both login forms (applicant site and admin), before the password is looked at: a locked
    username or client address reads 「登录失败次数过多，请于 HH:MM 后再试」, whether the username exists or not."""

    request: Any
    cleaned_data: dict[str, Any]

    def _lock_error(self) -> forms.ValidationError | None:
        username = (self.cleaned_data.get("username") or "").strip()
        until = locked_until(username, client_ip(self.request))
        if until is None:
            return None
        return forms.ValidationError(locked_message(until), code="locked")

    def clean(self) -> dict[str, Any]:
        error = self._lock_error()
        if error is not None:
            raise error
        try:
            return super().clean()  # type: ignore[misc]
        except forms.ValidationError as exc:
            # The failure that reached the limit already reads the lock message.
            if getattr(exc, "code", None) == "invalid_login":
                error = self._lock_error()
                if error is not None:
                    raise error from None
            raise


class LoginForm(LockoutFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误（连续失败 %(max)s 次将临时锁定 %(minutes)s 分钟）。",
        "inactive": "该账户已停用。",
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                     params={"max": settings.PORTAL_LOGIN_MAX_FAILURES,
                                             "minutes": settings.PORTAL_LOGIN_LOCK_MINUTES})


class AdminLoginForm(LockoutFormMixin, AdminAuthenticationForm):
    """The admin's login form with the same lock check and messages as the applicant site's."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": LoginForm.error_messages["invalid_login"],
    }

    def confirm_login_allowed(self, user: Any) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)
        if not user.is_staff:  # an applicant's right password still does not open the admin
            raise self.get_invalid_login_error()

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                     params={"max": settings.PORTAL_LOGIN_MAX_FAILURES,
                                             "minutes": settings.PORTAL_LOGIN_LOCK_MINUTES})


class _PasswordPairMixin(forms.Form):
    password = forms.CharField(label="密码", widget=forms.PasswordInput(render_value=False,
                                                                       attrs={"autocomplete": "new-password"}),
                               help_text=PASSWORD_HELP)
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput(render_value=False,
                                                                           attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class RegistrationForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18,
                           help_text="18 位，见营业执照或法人证书",
                           error_messages={"min_length": "统一社会信用代码应为18位。",
                                           "max_length": "统一社会信用代码应为18位。"},
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label="主体名称", max_length=200, help_text="与营业执照或法人证书上的名称一致")
    kind = forms.ChoiceField(label="主体类型", choices=ApplicantKind.choices,
                             help_text="高等院校、科研院所申请授权开放数据仅限非商业用途")
    region = forms.ModelChoiceField(label="所在县（市、区）", queryset=Organization.objects.none(),
                                    empty_label="请选择", help_text="注册地所在的县（市、区）或开发区，用于确定县级财政分担",
                                    error_messages={"required": "请选择所在县（市、区）。",
                                                    "invalid_choice": "请选择列表中的县（市、区）。"})
    is_domestic_controlled = forms.BooleanField(
        label="内资控股（自报）", required=False, initial=False,
        help_text="如实填写；申请授权开放数据时须提交证明材料，经数据管理机构核验。")
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.RegexField(label="联系电话", regex=r"^[0-9\-+ ]{7,20}$", max_length=20,
                                     widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
                                     error_messages={"invalid": "请输入有效的电话号码。"})
    email = forms.EmailField(label="电子邮箱", help_text="用于接收通知和重置密码",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    username = forms.RegexField(label="登录用户名", regex=USERNAME_REGEX, max_length=30, help_text=USERNAME_HELP,
                                widget=forms.TextInput(attrs={"autocomplete": "username"}),
                                error_messages={"invalid": USERNAME_INVALID})
    password = _PasswordPairMixin.base_fields["password"]
    password2 = _PasswordPairMixin.base_fields["password2"]

    field_order = ["uscc", "name", "kind", "region", "is_domestic_controlled", "contact_name", "contact_phone", "email",
                   "username", "password", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Organization.objects.filter(
            level=OrgLevel.COUNTY, kind__in=[OrgKind.COUNTY_GOVERNMENT, OrgKind.ZONE_COMMITTEE],
            retired_at__isnull=True).order_by("sort_order", "code")
        self.fields["region"].queryset = regions
        # Required wherever the county list is configured (always in a seeded portal); an installation without
        # counties can still register applicants (awards with a county share then cannot be approved).
        self.fields["region"].required = regions.exists()

    def clean_uscc(self) -> str:
        value = self.cleaned_data["uscc"].strip().upper()
        errors = uscc_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class MemberAddForm(_PasswordPairMixin):
    """A manager of an applicant organisation adds a colleague's account."""

    username = forms.RegexField(label="登录用户名", regex=USERNAME_REGEX, max_length=30, help_text=USERNAME_HELP,
                                error_messages={"invalid": USERNAME_INVALID})
    email = forms.EmailField(label="电子邮箱", help_text="新用户用它接收通知和重置密码")
    field_order = ["username", "email", "password", "password2"]
