"""Share applications (数据共享申请), their workflow steps and producers' joint-review opinions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalogs.models import ShareType
from portal.files import PrivatePath
from portal.models import AppendOnlyModel, GovernedModel
from sharing.states import Actor, Status


class ServiceMode(models.TextChoices):
    API = "api", "数据服务接口"
    CROSS_VERIFICATION = "cross_verification", "数据交叉核验"
    BULK_EXCHANGE = "bulk_exchange", "批量数据交换"


# An application takes the strictest share type of its entries.
SHARE_TYPE_RANK = {ShareType.UNCONDITIONAL: 0, ShareType.CONDITIONAL: 1, ShareType.NOT_SHARED: 2}


class InterfaceKind(models.TextChoices):
    DATA_QUERY = "data_query", "数据查询接口"
    COMPARE = "compare", "比对接口"
    VERIFY = "verify", "核查接口"
    STATISTICS = "statistics", "统计接口"


USABLE_NOT_VISIBLE_KINDS = frozenset({InterfaceKind.COMPARE, InterfaceKind.VERIFY, InterfaceKind.STATISTICS})


class SourceLocation(models.TextChoices):
    CITY_PLATFORM = "city_platform", "市汇聚共享平台"
    COUNTY_SUBCENTER = "county_subcenter", "县级分中心"
    COUNTY_SELF_BUILT = "county_self_built", "本区域自建信息系统"
    PROVINCIAL_BACKFLOW = "provincial_backflow", "省级平台回流数据"
    CITY_UNIFIED_SYSTEM = "city_unified_system", "市级统建信息系统（本区域数据）"


class RequestKind(models.TextChoices):
    ORDINARY = "ordinary", "共享申请"
    SPECIAL_AGENCY = "special_agency", "特殊机关数据需求（公检法司安纪监）"


class Route(models.TextChoices):
    CITY = "city", "市级办理"
    COUNTY_LOCAL = "county_local", "县级审核，报市级备案"
    COUNTY_FORWARD = "county_forward", "县级统一向市级申请"
    SPECIAL = "special", "数据管理机构协调处理"


class ShareApplication(GovernedModel):
    """A unit's application to use shared data (QZ-A2 §1). The authorization it produces is a separate record."""

    number = models.CharField("申请编号", max_length=32, unique=True, editable=False)
    kind = models.CharField("申请类型", max_length=20, choices=RequestKind.choices, default=RequestKind.ORDINARY)
    applicant_unit = models.ForeignKey("portal.Organization", verbose_name="申请单位", on_delete=models.PROTECT,
                                       related_name="share_applications")
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办数据管理员",
                                       on_delete=models.PROTECT, related_name="share_applications")
    applicant_county = models.ForeignKey("portal.Organization", verbose_name="申请单位所属县（市、区）", null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    entries = models.ManyToManyField("catalogs.CatalogEntry", verbose_name="申请的目录", related_name="+")
    data_items = models.ManyToManyField("catalogs.DataItem", verbose_name="申请的信息项（最少够用）", related_name="+")
    scope_conditions = models.TextField("具体范围（筛选条件、数据量）", blank=True)
    business_matter = models.CharField("业务事项", max_length=200)
    application_scenario = models.TextField("业务应用场景")
    information_system = models.CharField("使用数据的信息系统", max_length=200)
    system_mlps_level = models.CharField("信息系统等保级别", max_length=20, blank=True,
                                         help_text="批量数据交换的接收系统须按等级保护要求建设，填写如“第三级”")
    service_mode = models.CharField("共享服务方式", max_length=24, choices=ServiceMode.choices)
    interface_kind = models.CharField("接口类型", max_length=16, choices=InterfaceKind.choices, blank=True,
                                      help_text="暂不共享数据只能通过比对、核查、统计接口使用（可用不可见）")
    purpose = models.TextField("具体用途")
    legal_basis = models.TextField("履职依据（法律法规、三定职责等）", blank=True)
    requested_from_on = models.DateField("申请使用起始日")
    requested_until_on = models.DateField("申请使用截止日")
    source_location = models.CharField("数据所在位置", max_length=24, choices=SourceLocation.choices,
                                       default=SourceLocation.CITY_PLATFORM)
    requirements_doc = models.FileField("需求说明", upload_to=PrivatePath("sharing/requirements"), blank=True)
    technical_plan = models.FileField("技术方案", upload_to=PrivatePath("sharing/plans"), blank=True)
    bulk_justification = models.TextField("不能采用接口或交叉核验的原因", blank=True)
    previous_application = models.ForeignKey("self", verbose_name="原申请（协商调整后重新申请）", null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="resubmissions")

    # derived at submission
    share_type = models.CharField("共享类型（按最严格目录）", max_length=16, choices=ShareType.choices, blank=True,
                                  editable=False)
    route = models.CharField("办理路径", max_length=16, choices=Route.choices, blank=True, editable=False)
    status = models.CharField("状态", max_length=32, choices=Status.choices, default=Status.DRAFT, db_index=True,
                              editable=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    is_deemed_stamped = models.BooleanField("视同纸质盖章申请", default=False, editable=False,
                                            help_text="在线提交的申请视同纸质盖章申请（QZ-A2 §1）")
    current_step_started_on = models.DateField("当前环节开始日", null=True, blank=True, editable=False)
    current_due_on = models.DateField("当前环节办理期限", null=True, blank=True, editable=False, db_index=True)
    is_statutory_due = models.BooleanField("法定期限", default=False, editable=False)
    # outcomes
    decided_at = models.DateTimeField("办结时间", null=True, blank=True, editable=False)
    rejection_policy_basis = models.TextField("不予共享的政策依据", blank=True, editable=False)
    rejection_reason = models.TextField("不予共享的原因", blank=True, editable=False)
    adjustment_note = models.TextField("调整说明", blank=True, editable=False)
    agreement_reference = models.CharField("数据使用协议编号", max_length=120, blank=True, editable=False)
    filed_with_city_at = models.DateTimeField("报市级备案时间", null=True, blank=True, editable=False)
    filed_with_authority_at = models.DateTimeField("向数据管理机构报备时间", null=True, blank=True, editable=False)
    forwarded_at = models.DateTimeField("县级统一向市级申请时间", null=True, blank=True, editable=False)
    withdraw_reason = models.TextField("撤回原因", blank=True, editable=False)

    class Meta:
        verbose_name = "数据共享申请"
        verbose_name_plural = "数据共享申请"
        ordering = ["-created_at", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["status", "current_due_on"]),
            models.Index(fields=["created_at", "id"], name="share_app_created"),
            models.Index(fields=["status", "created_at", "id"], name="share_app_status_created"),
            models.Index(fields=["service_mode", "created_at"], name="share_app_mode_created"),
            models.Index(fields=["share_type", "created_at"], name="share_app_type_created"),
            models.Index(fields=["route", "created_at"], name="share_app_route_created"),
            models.Index(fields=["kind", "created_at"], name="share_app_kind_created"),
            models.Index(fields=["applicant_unit", "created_at", "id"], name="share_app_unit_created"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.business_matter}"

    @property
    def is_overdue(self) -> bool:
        from sharing.states import today

        return self.current_due_on is not None and self.current_due_on < today()


class WorkflowStep(AppendOnlyModel):
    """One step an application (share or open-data) went through: who had to act, by when, and what they did.

    Append-only: inserted when the step opens; the services close it once (``finished_*``, ``action*``, ``opinion``)
    and flag it overdue once, through ``service_update``. Feeds the overdue board and the assessment.
    """

    SERVICE_UPDATABLE_FIELDS = frozenset({"finished_on", "finished_at", "finished_by", "action", "action_label",
                                          "opinion", "overdue_flagged_at"})
    SERVICE_UPDATE_ONLY_WHERE = {"finished_on__isnull": True}  # a closed step is never rewritten
    UPDATE_REFUSED = "办理环节记录由办理操作自动生成，不可修改。"
    DELETE_REFUSED = "办理环节记录须留存，不可删除。"

    share_application = models.ForeignKey(ShareApplication, verbose_name="共享申请", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="steps")
    open_application = models.ForeignKey("sharing.OpenDataApplication", verbose_name="开放申请", null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="steps")
    state = models.CharField("环节", max_length=32)
    state_label = models.CharField("环节名称", max_length=60)
    actor = models.CharField("办理方", max_length=20, choices=Actor.choices)
    responsible_unit = models.ForeignKey("portal.Organization", verbose_name="责任单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField("开始日")
    due_on = models.DateField("办理期限", null=True, blank=True)
    is_statutory = models.BooleanField("法定期限", default=False)
    finished_on = models.DateField("办结日", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    action = models.CharField("办理动作", max_length=40, blank=True)
    action_label = models.CharField("办理结果", max_length=60, blank=True)
    opinion = models.TextField("意见", blank=True)
    overdue_flagged_at = models.DateTimeField("超期标记时间", null=True, blank=True)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["started_on", "id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["finished_on", "due_on"]),
            models.Index(fields=["started_on", "id"], name="share_step_started"),
        ]

    def __str__(self) -> str:
        return f"{self.state_label}（{self.started_on}→{self.due_on or '—'}）"

    @property
    def is_open(self) -> bool:
        return self.finished_on is None

    @property
    def is_late(self) -> bool:
        """Finished after the due date, or still open past it."""
        from sharing.states import today

        if self.due_on is None:
            return False
        return (self.finished_on or today()) > self.due_on


class ProducerOpinion(AppendOnlyModel):
    """A producer unit's opinion in the joint review (会商) of conditional or 暂不共享 data (QZ §五(四)). Final once given."""

    UPDATE_REFUSED = "会商意见一经提交不可修改。"
    DELETE_REFUSED = "会商意见须留存，不可删除。"

    application = models.ForeignKey(ShareApplication, verbose_name="共享申请", on_delete=models.PROTECT,
                                    related_name="producer_opinions")
    producer_unit = models.ForeignKey("portal.Organization", verbose_name="数据生产单位", on_delete=models.PROTECT,
                                      related_name="+")
    agrees = models.BooleanField("是否同意")
    opinion = models.TextField("会商意见")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT,
                                 related_name="+")
    given_at = models.DateTimeField("填写时间", default=timezone.now)
    due_on = models.DateField("期限", null=True, blank=True)

    class Meta:
        verbose_name = "生产单位会商意见"
        verbose_name_plural = "生产单位会商意见"
        constraints = [models.UniqueConstraint(fields=["application", "producer_unit"], name="uniq_producer_opinion")]

    def __str__(self) -> str:
        return f"{self.producer_unit}：{'同意' if self.agrees else '不同意'}"
