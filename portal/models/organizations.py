from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models.base import GovernedModel
from portal.roles import Role


class OrgKind(models.TextChoices):
    CITY_GOVERNMENT = "city_government", "市人民政府"
    DATA_AUTHORITY = "data_authority", "数据管理机构"
    DEPARTMENT = "department", "政府部门"
    TECH_SERVICE_UNIT = "tech_service_unit", "技术服务单位"
    COUNTY_GOVERNMENT = "county_government", "县（市、区）人民政府"
    COUNTY_AUTHORITY = "county_authority", "县级数据管理机构"
    ZONE_COMMITTEE = "zone_committee", "开发区（投资区）管委会"
    TOWN_STREET = "town_street", "镇（街道）"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    PUBLIC_ENTERPRISE = "public_enterprise", "公共服务企业"
    SPECIAL_AGENCY = "special_agency", "特殊机关（公检法司安纪监）"
    LEADING_GROUP_OFFICE = "leading_group_office", "领导小组办公室"


class OrgLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWN = "town", "乡镇级"


class Organization(GovernedModel):
    """A government unit (政务数据生产应用单位) in the city → county → department/town hierarchy."""

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=120)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField("单位类型", max_length=32, choices=OrgKind.choices)
    level = models.CharField("层级", max_length=16, choices=OrgLevel.choices)
    region_code = models.CharField("行政区划代码", max_length=12, help_text="GB/T 2260 六位代码；开发区用所在地代码")
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField("层级路径", max_length=255, editable=False, db_index=True, default="")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "政务单位"
        verbose_name_plural = "政务单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Keeps the unit's own ``path`` (``/<ancestors' pks>/<pk>/``); re-rooting the descendants of a moved unit is
        ``portal.services.organization_save``'s job."""
        if self.pk is not None:
            self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
            super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        super().save(update_fields=["path"])

    @property
    def county(self) -> Organization | None:
        """The county-level unit this unit belongs to (itself when it is one); None for city units."""
        node: Organization | None = self
        while node is not None:
            if node.level == OrgLevel.COUNTY and node.parent is not None and node.parent.level == OrgLevel.CITY:
                return node
            node = node.parent
        return None

    def descendants(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(path__startswith=self.path)


class Membership(GovernedModel):
    """A user's role in a unit (one row per user × unit × role)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT,
                             related_name="memberships")
    organization = models.ForeignKey(Organization, verbose_name="单位", on_delete=models.PROTECT,
                                     related_name="memberships")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    title = models.CharField("职务", max_length=60, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "单位成员"
        verbose_name_plural = "单位成员"
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}（{self.get_role_display()}）"
