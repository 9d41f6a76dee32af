from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models.base import GovernedModel
from portal.uscc import validate_uscc


class ApplicantKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高等院校"
    RESEARCH_INSTITUTE = "research_institute", "科研院所"
    ASSOCIATION = "association", "社会团体/行业协会"
    INDIVIDUAL = "individual", "个体工商户"


class Enterprise(GovernedModel):
    """An applicant organisation (企业、高校、科研院所、协会、个体工商户) identified by its 统一社会信用代码."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("主体类型", max_length=32, choices=ApplicantKind.choices, default=ApplicantKind.ENTERPRISE)
    is_domestic_controlled = models.BooleanField(
        "内资控股（自报）", default=False,
        help_text="申报主体自报；授权开放的申请资格须经数据管理机构在申请中核验证明材料（QZ §六(四)）。")
    is_small_micro = models.BooleanField("中小微企业", default=False)
    region = models.ForeignKey("portal.Organization", verbose_name="所在县（市、区）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="enterprises")
    legal_representative = models.CharField("法定代表人", max_length=60, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    bank_name = models.CharField("开户行", max_length=120, blank=True)
    bank_account = models.CharField("收款账号", max_length=40, blank=True)

    class Meta:
        verbose_name = "申报主体"
        verbose_name_plural = "申报主体（企业、高校等）"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.uscc = self.uscc.strip().upper()
        super().save(*args, **kwargs)


class EnterpriseMember(GovernedModel):
    """A user account acting for an applicant organisation (several users per organisation)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT,
                             related_name="enterprise_memberships")
    enterprise = models.ForeignKey(Enterprise, verbose_name="申报主体", on_delete=models.PROTECT,
                                   related_name="members")
    is_manager = models.BooleanField("主体管理员", default=False, help_text="可邀请同一主体的其他用户")

    class Meta:
        verbose_name = "申报主体用户"
        verbose_name_plural = "申报主体用户"
        constraints = [models.UniqueConstraint(fields=["user", "enterprise"], name="uniq_enterprise_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise}"
