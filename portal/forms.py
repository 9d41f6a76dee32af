from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from portal.models import ApplicantKind
from portal.uscc import uscc_errors


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误（连续失败 5 次将临时锁定）。",
        "inactive": "该账户已停用。",
    }


class RegistrationForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18,
                           help_text="18 位，见营业执照或法人证书",
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label="主体名称", max_length=200)
    kind = forms.ChoiceField(label="主体类型", choices=ApplicantKind.choices)
    is_domestic_controlled = forms.BooleanField(label="内资控股", required=False, initial=True)
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.RegexField(label="联系电话", regex=r"^[0-9\-+ ]{7,20}$", max_length=20,
                                     error_messages={"invalid": "请输入有效的电话号码。"})
    email = forms.EmailField(label="电子邮箱", help_text="用于接收通知和重置密码")
    username = forms.RegexField(label="登录用户名", regex=r"^[A-Za-z0-9_.@-]{4,30}$", max_length=30,
                                help_text="4–30 位字母、数字或 _ . @ -",
                                error_messages={"invalid": "用户名只能包含字母、数字和 _ . @ -，长度 4–30。"})
    password = forms.CharField(label="密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 10 位，不能全为数字，不能与用户名相似")
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput(render_value=False))

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
