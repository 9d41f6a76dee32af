"""Open-data authorization applications (授权开放, QZ §六(四)–(五)) and the grants they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet
from sharing.models.authorizations import AuthorizationStatus
from sharing.states import OpenStatus


class OpenDataApplication(GovernedModel):
    """An enterprise, university or research institute asks for 授权开放 catalog entries."""

    number = models.CharField("申请编号", max_length=32, unique=True, editable=False)
    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="申请主体", on_delete=models.PROTECT,
                                   related_name="open_data_applications")
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT,
                                       related_name="open_data_applications")
    entries = models.ManyToManyField("catalogs.CatalogEntry", verbose_name="申请的授权开放目录", related_name="+")
    purpose = models.TextField("使用目的")
    scenario = models.TextField("应用场景")
    is_commercial = models.BooleanField("用于商业用途", default=False,
                                        help_text="高校、科研院所只能用于科研教育等公益性活动")
    usage_method = models.CharField("使用方式", max_length=200, blank=True)
    requested_until_on = models.DateField("申请使用截止日", null=True, blank=True)
    previous_application = models.ForeignKey("self", verbose_name="原申请（协商调整后重新申请）", null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="resubmissions")
    status = models.CharField("状态", max_length=32, choices=OpenStatus.choices, default=OpenStatus.DRAFT,
                              db_index=True, editable=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    current_step_started_on = models.DateField("当前环节开始日", null=True, blank=True, editable=False)
    current_due_on = models.DateField("当前环节办理期限", null=True, blank=True, editable=False, db_index=True)
    assessment_opinion = models.TextField("需求评估意见", blank=True, editable=False)
    decision_note = models.TextField("确认/调整说明", blank=True, editable=False)
    stop_policy_basis = models.TextField("停止授权的政策依据", blank=True, editable=False)
    stop_reason = models.TextField("停止授权的原因", blank=True, editable=False)
    withdraw_reason = models.TextField("撤回原因", blank=True, editable=False)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "授权开放申请"
        verbose_name_plural = "授权开放申请"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.enterprise}"


class OpenDataGrantQuerySet(FrozenFieldsQuerySet, GovernedQuerySet):  # type: ignore[override]  # the stubs type as_manager per class
    pass


class OpenDataGrant(FrozenFieldsModel, GovernedModel):
    """The frozen grant of 授权开放 data with its restrictions (QZ §六(四)、(七))."""

    FROZEN_FIELDS = frozenset({"application", "enterprise", "scope_snapshot", "valid_from_on", "valid_until_on",
                               "is_commercial_use_allowed", "restrictions", "attribution_text", "number"})
    FROZEN_REFUSED = "授权开放许可一经签发即冻结，范围、期限和限制条款不可修改："

    number = models.CharField("授权编号", max_length=32, unique=True, editable=False)
    application = models.OneToOneField(OpenDataApplication, verbose_name="来源申请", on_delete=models.PROTECT,
                                       related_name="grant", editable=False)
    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="被授权主体", on_delete=models.PROTECT,
                                   related_name="open_data_grants", editable=False)
    entries = models.ManyToManyField("catalogs.CatalogEntry", verbose_name="授权目录", related_name="+")
    scope_snapshot = models.JSONField("授权范围快照", default=dict, editable=False)
    valid_from_on = models.DateField("有效期起", editable=False)
    valid_until_on = models.DateField("有效期止", editable=False)
    status = models.CharField("状态", max_length=16, choices=AuthorizationStatus.choices,
                              default=AuthorizationStatus.ACTIVE, db_index=True, editable=False)
    status_reason = models.TextField("状态变更原因", blank=True, editable=False)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True, editable=False)
    expiry_reminded_on = models.DateField("到期提醒日", null=True, blank=True, editable=False)
    # restrictions (QZ §六(四)、(七)); the booleans are always True by rule and are stored so the grant is self-describing
    is_third_party_forbidden = models.BooleanField("不得提供给第三方", default=True, editable=False)
    is_resale_forbidden = models.BooleanField("不得用于数据倒卖或其他非法用途", default=True, editable=False)
    is_commercial_use_allowed = models.BooleanField("允许商业用途", default=False, editable=False)
    must_state_source = models.BooleanField("衍生产品须注明数据来源和获取日期", default=True, editable=False)
    restrictions = models.JSONField("使用限制条款", default=list, editable=False)
    attribution_text = models.CharField("来源标注", max_length=300, editable=False)

    objects = OpenDataGrantQuerySet.as_manager()  # type: ignore[assignment, misc]  # frozen fields + governed

    class Meta:
        verbose_name = "授权开放许可"
        verbose_name_plural = "授权开放许可"
        ordering = ["-valid_from_on", "-id"]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_status_display()}）"

    @property
    def is_usable(self) -> bool:
        return self.status == AuthorizationStatus.ACTIVE
