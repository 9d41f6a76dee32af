"""Catalog entries (政务数据资源目录条目), their data items (信息项), service interfaces and published versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import AppendOnlyModel, GovernedModel, GovernedQuerySet


class ShareType(models.TextChoices):
    UNCONDITIONAL = "unconditional", "无条件共享"
    CONDITIONAL = "conditional", "有条件共享"
    NOT_SHARED = "not_shared", "暂不共享"


class OpenType(models.TextChoices):
    OPEN = "open", "普遍开放"
    AUTHORIZED = "authorized", "授权开放"
    CLOSED = "closed", "不予开放"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待审核"
    PUBLISHED = "published", "已发布"
    RETURNED = "returned", "已退回"
    REVISING = "revising", "修订中"
    RETIRED = "retired", "已停用"


class CatalogLevel(models.TextChoices):
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"
    ON_CHANGE = "on_change", "变更时更新"


class AggregationMode(models.TextChoices):
    REALTIME_FULL = "realtime_full", "实时全量汇聚"
    INTERFACE_ONLY = "interface_only", "仅提供接口（不能汇聚）"
    NON_REALTIME = "non_realtime", "非实时汇聚（已报备）"
    BACKFLOW = "backflow", "上级回流"
    MANUAL_UPLOAD = "manual_upload", "人工网络上传"


class DocKind(models.TextChoices):
    NONE = "", "无"
    DOCUMENT = "document", "文书类"
    LICENSE = "license", "证照类"
    CONTRACT = "contract", "合同类"


class BaseCategory(models.TextChoices):
    NONE = "", "非基础信息资源"
    POPULATION = "population", "人口"
    LEGAL_ENTITY = "legal_entity", "法人单位"
    NATURAL_RESOURCE_GEO = "natural_resource_geo", "自然资源和空间地理"
    E_LICENSE = "e_license", "电子证照"
    CREDIT = "credit", "社会信用"


class DataType(models.TextChoices):
    STRING = "string", "字符型"
    INTEGER = "integer", "整数型"
    DECIMAL = "decimal", "数值型"
    DATE = "date", "日期型"
    DATETIME = "datetime", "日期时间型"
    BOOLEAN = "boolean", "布尔型"
    FILE = "file", "文件/附件"
    OTHER = "other", "其他"


class InterfaceKind(models.TextChoices):
    DATA_QUERY = "data_query", "数据查询"
    COMPARE = "compare", "比对"
    VERIFY = "verify", "核查"
    STATISTICS = "statistics", "统计"
    CV_MODEL = "cv_model", "交叉核验模型"
    BULK_EXCHANGE = "bulk_exchange", "批量数据交换"


class InterfaceOrigin(models.TextChoices):
    PLATFORM_CUSTOM = "platform_custom", "平台统一定制"
    NATIONAL_OR_PROVINCIAL = "national_or_provincial", "国家部委或省级部门提供"
    PRODUCER = "producer", "数据生产单位提供"
    CUSTOM_FOR_APPLICANT = "custom_for_applicant", "按应用单位需求定制"


class Classification(GovernedModel):
    """数据分类 (configurable; the province sets the rules, the city may add to them)."""

    code = models.CharField("分类编码", max_length=32, unique=True)
    name = models.CharField("分类名称", max_length=100)
    parent = models.ForeignKey("self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")

    class Meta:
        verbose_name = "数据分类"
        verbose_name_plural = "数据分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Grade(GovernedModel):
    """数据分级 (configurable security/sensitivity grade; higher rank = more sensitive)."""

    code = models.CharField("分级编码", max_length=32, unique=True)
    name = models.CharField("分级名称", max_length=60)
    rank = models.PositiveSmallIntegerField("级别序号", default=1, help_text="数值越大越敏感")

    class Meta:
        verbose_name = "数据分级"
        verbose_name_plural = "数据分级"
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class DataElement(GovernedModel):
    """数据元 registry enforcing 一数一源: every registered data element has exactly one authoritative source unit."""

    code = models.CharField("数据元编码", max_length=64, unique=True)
    name = models.CharField("数据元名称", max_length=100)
    source_unit = models.ForeignKey("portal.Organization", verbose_name="数源单位", on_delete=models.PROTECT,
                                    related_name="data_elements")

    class Meta:
        verbose_name = "数据元（一数一源登记）"
        verbose_name_plural = "数据元（一数一源登记）"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CatalogEntryQuerySet(GovernedQuerySet):
    def published(self) -> CatalogEntryQuerySet:
        return self.filter(status=EntryStatus.PUBLISHED)

    def open_part(self) -> CatalogEntryQuerySet:
        """Published entries whose open type is not 不予开放 and that hold no personal data without a recorded
        desensitisation (the open catalog; see ``open_catalog_q``)."""
        return self.filter(open_catalog_q())


def open_catalog_q() -> models.Q:
    """What may be shown as open data (public site, applicants, CKAN, DCAT): published, not 不予开放, not a state
    secret, and no personal data left undesensitised: every active personal item has an active desensitisation record
    (GD 公共数据管理办法 第三十二条), and an entry flagged 含个人信息 names its personal items."""
    personal = DataItem.objects.filter(entry=models.OuterRef("pk"), retired_at__isnull=True, is_personal_info=True)
    recorded = Desensitisation.objects.filter(item=models.OuterRef("pk"), retired_at__isnull=True)
    pending = personal.exclude(models.Exists(recorded))
    return (models.Q(status=EntryStatus.PUBLISHED, is_state_secret=False) & ~models.Q(open_type=OpenType.CLOSED)
            & ~models.Q(models.Exists(pending))
            & ~(models.Q(has_personal_info=True) & ~models.Q(models.Exists(personal))))


class CatalogEntry(GovernedModel):
    """政务数据资源目录条目: one data resource registered by its single authoritative source unit."""

    code = models.CharField("目录编码", max_length=64, unique=True)
    title = models.CharField("资源名称", max_length=200)
    description = models.TextField("资源摘要", blank=True)
    source_unit = models.ForeignKey("portal.Organization", verbose_name="数源单位", on_delete=models.PROTECT,
                                    related_name="catalog_entries")
    level = models.CharField("目录层级", max_length=16, choices=CatalogLevel.choices, default=CatalogLevel.CITY)
    status = models.CharField("状态", max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT,
                              db_index=True)

    share_type = models.CharField("共享类型", max_length=16, choices=ShareType.choices,
                                  default=ShareType.UNCONDITIONAL)
    share_conditions = models.TextField("共享条件", blank=True, help_text="有条件共享时填写")
    share_scope = models.TextField("共享范围", blank=True)
    legal_basis = models.TextField("共享/开放依据", blank=True,
                                   help_text="有条件共享、暂不共享必须填写法律、法规或党中央、国务院政策依据")
    open_type = models.CharField("开放类型", max_length=16, choices=OpenType.choices, default=OpenType.CLOSED)
    open_conditions = models.TextField("开放条件", blank=True)

    has_personal_info = models.BooleanField("含个人信息", default=False)
    has_trade_secret = models.BooleanField("含商业秘密", default=False)
    is_state_secret = models.BooleanField("涉及国家秘密", default=False,
                                          help_text="涉及国家秘密的数据不得在市汇聚共享平台登记、共享或开放")
    classification = models.ForeignKey(Classification, verbose_name="数据分类", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="entries")
    grade = models.ForeignKey(Grade, verbose_name="数据分级", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="entries")

    update_frequency = models.CharField("更新频率", max_length=16, choices=UpdateFrequency.choices,
                                        default=UpdateFrequency.MONTHLY)
    aggregation_mode = models.CharField("汇聚方式", max_length=16, choices=AggregationMode.choices,
                                        default=AggregationMode.REALTIME_FULL)
    no_aggregation_reason = models.TextField("不能汇聚的依据", blank=True, help_text="仅提供接口时必须说明法律或政策依据")
    doc_kind = models.CharField("文书证照类型", max_length=16, choices=DocKind.choices, default=DocKind.NONE,
                                blank=True)
    base_category = models.CharField("基础信息资源类别", max_length=24, choices=BaseCategory.choices,
                                     default=BaseCategory.NONE, blank=True,
                                     help_text="人口、法人、自然资源和空间地理、电子证照、信用等基础信息资源必须无条件共享")
    data_format = models.CharField("数据格式", max_length=60, blank=True, help_text="如 XLSX、CSV、JSON、接口")
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="以逗号或顿号分隔")

    quality_score = models.PositiveSmallIntegerField("质量评分", default=0, editable=False,
                                                     help_text="满足的质量指标占适用指标的百分比")
    quality = models.JSONField("质量评分明细", default=list, blank=True, editable=False)
    version = models.PositiveIntegerField("已发布版本号", default=0, editable=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True, editable=False)
    review_due_on = models.DateField("审核期限", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("最近发布时间", null=True, blank=True, editable=False)
    return_reason = models.TextField("退回理由", blank=True, editable=False)
    retire_requested_at = models.DateTimeField("申请停用时间", null=True, blank=True, editable=False)
    retire_reason = models.TextField("停用理由", blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", editable=False)

    objects = CatalogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "数据资源目录"
        verbose_name_plural = "数据资源目录"
        ordering = ["code"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["status", "open_type"], name="catalog_entry_status_open"),
            models.Index(fields=["status", "code"], name="catalog_entry_status_code"),
            models.Index(fields=["share_type", "code"], name="catalog_entry_share_code"),
            models.Index(fields=["open_type", "code"], name="catalog_entry_open_code"),
            models.Index(fields=["level", "code"], name="catalog_entry_level_code"),
            models.Index(fields=["update_frequency", "code"], name="catalog_entry_freq_code"),
            models.Index(fields=["base_category", "code"], name="catalog_entry_base_code"),
            models.Index(fields=["source_unit", "code"], name="catalog_entry_unit_code"),
            # the 工作台's “待审核目录” (soonest review deadline first, ADR 0008): read in index order, stopped early
            models.Index(fields=["review_due_on", "id"], name="catalog_entry_review_due"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_base_resource(self) -> bool:
        return bool(self.base_category)

    @property
    def is_open(self) -> bool:
        return self.status == EntryStatus.PUBLISHED and self.open_type != OpenType.CLOSED


class DataItem(GovernedModel):
    """信息项: one field of a catalog entry."""

    entry = models.ForeignKey(CatalogEntry, verbose_name="目录条目", on_delete=models.PROTECT, related_name="items")
    name = models.CharField("信息项名称", max_length=100)
    data_type = models.CharField("数据类型", max_length=16, choices=DataType.choices, default=DataType.STRING)
    description = models.TextField("说明", blank=True)
    is_personal_info = models.BooleanField("个人信息", default=False)
    element = models.ForeignKey(DataElement, verbose_name="数据元", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="items", help_text="登记为数源的数据元（一数一源）")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "信息项"
        verbose_name_plural = "信息项"
        ordering = ["entry", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "name"], name="catalog_item_unique_name")]

    def __str__(self) -> str:
        return self.name


class ServiceInterface(GovernedModel):
    """数据服务接口 attached to an entry: endpoint, interface spec and call instructions (QZ §二(三))."""

    entry = models.ForeignKey(CatalogEntry, verbose_name="目录条目", on_delete=models.PROTECT,
                              related_name="interfaces")
    name = models.CharField("接口名称", max_length=120)
    kind = models.CharField("接口类型", max_length=16, choices=InterfaceKind.choices, default=InterfaceKind.DATA_QUERY)
    origin = models.CharField("接口来源", max_length=32, choices=InterfaceOrigin.choices,
                              default=InterfaceOrigin.PRODUCER)
    endpoint = models.CharField("接口地址", max_length=300, blank=True)
    spec = models.TextField("接口规范", blank=True)
    call_instructions = models.TextField("调用说明", blank=True)

    class Meta:
        verbose_name = "数据服务接口"
        verbose_name_plural = "数据服务接口"
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_spec(self) -> bool:
        return bool(self.spec.strip() and self.call_instructions.strip())


class CatalogVersion(AppendOnlyModel):
    """A frozen snapshot of an entry taken at each publication: append-only (the kernel's ``AppendOnlyModel``: no
    field ever changes after insert, so no ``FrozenFieldsModel`` is needed)."""

    UPDATE_REFUSED = "已发布版本为只读记录，不可修改。"
    DELETE_REFUSED = "已发布版本为只读记录，不可删除。"

    entry = models.ForeignKey(CatalogEntry, verbose_name="目录条目", on_delete=models.PROTECT,
                              related_name="versions")
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("内容快照")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "目录发布版本"
        verbose_name_plural = "目录发布版本"
        ordering = ["entry", "-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="catalog_version_unique")]

    def __str__(self) -> str:
        return f"{self.entry.code} v{self.number}"


class DesensitisationMethod(models.TextChoices):
    ANONYMIZE = "anonymize", "匿名化"
    DEIDENTIFY = "deidentify", "去标识化"
    MASK = "mask", "部分屏蔽（掩码）"
    GENERALIZE = "generalize", "泛化（区间化、聚合）"
    OTHER = "other", "其他（须在说明中写明）"


class Desensitisation(GovernedModel):
    """脱敏处理记录 of one personal-information item: who processed it, how and when (GD 公共数据管理办法 第三十二条；
    福建省大数据发展条例 第三十二条 “记录数据处理全流程”). An entry with a personal item is opened (授权开放/普遍开放)
    only when every such item has an active record; a newer record retires the older one."""

    entry = models.ForeignKey(CatalogEntry, verbose_name="目录条目", on_delete=models.PROTECT,
                              related_name="desensitisations", editable=False)
    item = models.ForeignKey(DataItem, verbose_name="信息项", on_delete=models.PROTECT,
                             related_name="desensitisations")
    method = models.CharField("脱敏方式", max_length=16, choices=DesensitisationMethod.choices)
    performed_on = models.DateField("处理日期")
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人（处理责任人）",
                                     on_delete=models.PROTECT, related_name="+", editable=False)
    note = models.TextField("处理说明", blank=True, help_text="处理规则、工具或结果抽检情况；脱敏方式为“其他”时必填")

    class Meta:
        verbose_name = "脱敏处理记录"
        verbose_name_plural = "脱敏处理记录"
        ordering = ["entry", "item", "-performed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["item"], condition=models.Q(retired_at__isnull=True),
                                               name="catalog_desensitisation_one_active")]

    def __str__(self) -> str:
        return f"{self.item.name}：{self.get_method_display()}（{self.performed_on:%Y-%m-%d}）"
