"""Open-data authorization applications (授权开放, QZ §六(四)–(五)) and the grants they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.files import PrivatePath
from portal.models import AppendOnlyModel, FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet
from sharing.models.authorizations import AuthorizationStatus
from sharing.states import EligibilityStatus, OpenStatus


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
    requested_until_on = models.DateField("申请使用截止日", null=True, blank=True,
                                          help_text="须明确使用时限（FJ-OPEN 第十条）；授权期限不超过此日。")
    # eligibility (QZ §六(四)): declared by the applicant, verified by the data authority with evidence
    declares_eligibility = models.BooleanField(
        "申请人声明符合申请资格", default=False,
        help_text="声明本主体为内资控股法人企业、高等院校或科研院所；须经数据管理机构核验证明材料。")
    eligibility_status = models.CharField("申请资格核验", max_length=16, choices=EligibilityStatus.choices,
                                          default=EligibilityStatus.UNVERIFIED, editable=False)
    eligibility_evidence = models.FileField("资格证明材料", upload_to=PrivatePath("sharing/open_eligibility"),
                                            blank=True, editable=False, max_length=200)
    eligibility_evidence_name = models.CharField("证明材料文件名", max_length=200, blank=True, editable=False)
    eligibility_note = models.TextField("核验意见", blank=True, editable=False)
    eligibility_verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核验人", null=True,
                                                blank=True, on_delete=models.PROTECT, related_name="+",
                                                editable=False)
    eligibility_verified_at = models.DateTimeField("核验时间", null=True, blank=True, editable=False)
    # the term and conditions decided at confirmation, applied when the grant is issued (after consent and agreement)
    granted_until_on = models.DateField("拟授权截止日", null=True, blank=True, editable=False)
    term_reason = models.TextField("缩短授权期限的理由", blank=True, editable=False)
    extra_restrictions = models.TextField("附加限制条件", blank=True, editable=False)
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


class OpenDataConsent(AppendOnlyModel):
    """A provider unit's consent to open its data to this applicant (FJ-OPEN art.10 “经数据提供单位同意”; FJ-REG
    art.15 “征求数据提供单位同意”). One per provider unit of the requested entries; final once given."""

    UPDATE_REFUSED = "数据提供单位意见一经提交不可修改。"
    DELETE_REFUSED = "数据提供单位意见须留存，不可删除。"

    application = models.ForeignKey(OpenDataApplication, verbose_name="授权开放申请", on_delete=models.PROTECT,
                                    related_name="consents")
    producer_unit = models.ForeignKey("portal.Organization", verbose_name="数据提供单位", on_delete=models.PROTECT,
                                      related_name="+")
    agrees = models.BooleanField("是否同意")
    reason = models.TextField("意见或理由", blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT,
                                 related_name="+")
    given_at = models.DateTimeField("填写时间", default=timezone.now)

    class Meta:
        verbose_name = "数据提供单位意见"
        verbose_name_plural = "数据提供单位意见"
        constraints = [models.UniqueConstraint(fields=["application", "producer_unit"], name="uniq_open_consent")]

    def __str__(self) -> str:
        return f"{self.producer_unit}：{'同意' if self.agrees else '不同意'}"


class OpenDataAgreement(AppendOnlyModel):
    """The signed 数据使用和安全保障协议 (FJ-OPEN art.10, 17): number, date, signatories and the signed scan. The grant
    is issued only once it is recorded."""

    UPDATE_REFUSED = "已登记的协议不可修改。"
    DELETE_REFUSED = "已登记的协议须留存，不可删除。"

    application = models.OneToOneField(OpenDataApplication, verbose_name="授权开放申请", on_delete=models.PROTECT,
                                       related_name="agreement")
    number = models.CharField("协议编号", max_length=120)
    signed_on = models.DateField("签署日期")
    signatories = models.TextField("签署各方", help_text="每行一方，如：申请主体、市数据管理机构、技术服务单位")
    file = models.FileField("已签署协议文件", upload_to=PrivatePath("sharing/open_agreements"), max_length=200)
    file_name = models.CharField("文件名", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "数据使用和安全保障协议"
        verbose_name_plural = "数据使用和安全保障协议"

    def __str__(self) -> str:
        return f"{self.number}（{self.signed_on}）"


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
