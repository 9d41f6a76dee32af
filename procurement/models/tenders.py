"""招标投标记录: tenders, lots, amendments, bids, quotes, fingerprints, bonds, committee, scores, draws."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from portal.display import local_datetime
from portal.models import GovernedModel
from procurement.models.projects import MONEY, ItProject

SCORE = {"max_digits": 7, "decimal_places": 2}


class ProcurementMethod(models.TextChoices):
    OPEN = "open", "公开招标"
    INVITED = "invited", "邀请招标"


class EvaluationMethod(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合评估法"
    LOWEST_PRICE = "lowest_price", "经评审的最低投标价法"


class PriceOption(models.TextChoices):
    OPTION1 = "option1", "参考方式一（C、K抽取，设取值范围）"
    OPTION2 = "option2", "参考方式二（C抽取，全部有效报价）"


class TenderStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已发布并备案"
    BIDS_CLOSED = "bids_closed", "投标截止"
    FAILED = "failed", "流标（须重新招标）"
    OPENED = "opened", "已开标"
    EVALUATING = "evaluating", "评标中"
    REPORT_SUBMITTED = "report_submitted", "评标报告已提交"
    CANDIDATES_PUBLICIZED = "candidates_publicized", "中标候选人公示"
    AWARD_DETERMINED = "award_determined", "已确定中标人"
    AWARD_PUBLICIZED = "award_publicized", "中标结果公示"
    CONTRACTED = "contracted", "合同已签订"
    CLOSED = "closed", "已完成"
    TERMINATED = "terminated", "已终止"


# Statuses from which evaluators may see the tender (only after opening).
OPENED_STATUSES = (TenderStatus.OPENED, TenderStatus.EVALUATING, TenderStatus.REPORT_SUBMITTED,
                   TenderStatus.CANDIDATES_PUBLICIZED, TenderStatus.AWARD_DETERMINED,
                   TenderStatus.AWARD_PUBLICIZED, TenderStatus.CONTRACTED, TenderStatus.CLOSED)


class Tender(GovernedModel):
    """招标项目 (MT 示范文本 + R 规则). One evaluation method per tender; lots carry control prices and awards."""

    tender_no = models.CharField("招标编号", max_length=40, unique=True)
    title = models.CharField("招标项目名称", max_length=200)
    project = models.ForeignKey(ItProject, verbose_name="政务信息化项目", on_delete=models.PROTECT,
                                related_name="tenders")
    tenderer = models.ForeignKey("portal.Organization", verbose_name="招标人", on_delete=models.PROTECT,
                                 related_name="tenders")
    agent_name = models.CharField("招标代理机构", max_length=120, blank=True)
    procurement_method = models.CharField("招标方式", max_length=16, choices=ProcurementMethod.choices,
                                          default=ProcurementMethod.OPEN)
    evaluation_method = models.CharField("评标方法", max_length=16, choices=EvaluationMethod.choices,
                                         default=EvaluationMethod.COMPREHENSIVE)
    uses_model_text = models.BooleanField("使用省示范文本", default=True)
    status = models.CharField("状态", max_length=24, choices=TenderStatus.choices, default=TenderStatus.DRAFT,
                              db_index=True)
    issued_at = models.DateTimeField("招标文件发布时间", null=True, blank=True)
    bid_deadline = models.DateTimeField("投标截止时间")
    opened_at = models.DateTimeField("开标时间", null=True, blank=True)
    bid_validity_days = models.PositiveIntegerField("投标有效期（日历天）", default=90)
    contract_sign_days = models.PositiveIntegerField("合同签订期限（日）", default=30,
                                                     help_text="前附表第25项；示范文本空白时按招标投标法30日")
    candidate_count = models.PositiveSmallIntegerField("中标候选人数量", default=3)
    tech_weight = models.DecimalField("技术分权重", default=Decimal("55"), **SCORE)
    commercial_weight = models.DecimalField("商务分权重", default=Decimal("15"), **SCORE)
    price_weight = models.DecimalField("价格分权重", default=Decimal("30"), **SCORE)
    price_option = models.CharField("价格分计算方式", max_length=8, choices=PriceOption.choices,
                                    default=PriceOption.OPTION1)
    range_low_pct = models.DecimalField("基准价取值范围下限（控制价%）", default=Decimal("85"), **SCORE)
    range_high_pct = models.DecimalField("基准价取值范围上限（控制价%）", default=Decimal("100"), **SCORE)
    q_below = models.DecimalField("Q值（低于基准价）", max_digits=5, decimal_places=2, null=True, blank=True,
                                  help_text="参考方式一由示范文本固定为0.5（可留空）；参考方式二示范文本留空，须由招标文件设定")
    q_above = models.DecimalField("Q值（高于基准价）", max_digits=5, decimal_places=2, null=True, blank=True,
                                  help_text="参考方式一由示范文本固定为1（可留空）；参考方式二示范文本留空，须由招标文件设定")
    report_received_on = models.DateField("收到评标报告日期", null=True, blank=True)
    award_determined_on = models.DateField("确定中标人日期", null=True, blank=True)
    award_notice_issued_on = models.DateField("中标通知书发出日期", null=True, blank=True)
    written_report_filed_on = models.DateField("书面报告提交日期", null=True, blank=True)
    terminated_reason = models.TextField("终止/流标原因", blank=True)

    class Meta:
        verbose_name = "招标项目"
        verbose_name_plural = "招标项目"
        ordering = ["-bid_deadline"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["bid_deadline", "id"], name="proc_tender_deadline"),
            models.Index(fields=["status", "bid_deadline"], name="proc_tender_status_dl"),
            models.Index(fields=["evaluation_method", "bid_deadline"], name="proc_tender_method_dl"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_no} {self.title}"


class LotStatus(models.TextChoices):
    OPEN = "open", "招标中"
    FAILED = "failed", "流标"
    EVALUATED = "evaluated", "已评审"
    AWARDED = "awarded", "已确定中标人"
    CONTRACTED = "contracted", "已签合同"


class Lot(GovernedModel):
    """合同包: control price (最高投标限价), bond amount; rejections, ranking and award are per lot."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="lots")
    lot_no = models.PositiveSmallIntegerField("合同包号", default=1)
    subject = models.CharField("采购标的", max_length=200)
    control_price = models.DecimalField("最高投标限价（招标控制价，元）", **MONEY)
    bid_bond_amount = models.DecimalField("投标保证金（元）", default=Decimal("0"), **MONEY)
    status = models.CharField("状态", max_length=16, choices=LotStatus.choices, default=LotStatus.OPEN)
    benchmark_price = models.DecimalField("评标基准价（元）", null=True, blank=True, **MONEY)
    c_used = models.DecimalField("实际采用C值", max_digits=6, decimal_places=4, null=True, blank=True)
    awarded_bid = models.ForeignKey("procurement.Bid", verbose_name="中标投标", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "合同包"
        verbose_name_plural = "合同包"
        ordering = ["tender", "lot_no"]
        constraints = [models.UniqueConstraint(fields=["tender", "lot_no"], name="proc_uniq_lot_no")]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} 包{self.lot_no} {self.subject}"


class TenderAmendment(GovernedModel):
    """招标文件澄清、修改 (MT 12.1): affecting bid preparation < 15 days before the deadline moves the deadline."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="amendments")
    published_at = models.DateTimeField("发布时间")
    summary = models.TextField("澄清修改内容")
    affects_bid_prep = models.BooleanField("影响投标文件编制", default=True)
    deadline_before = models.DateTimeField("原投标截止时间")
    deadline_after = models.DateTimeField("调整后投标截止时间")

    class Meta:
        verbose_name = "招标文件澄清修改"
        verbose_name_plural = "招标文件澄清修改"
        ordering = ["tender", "published_at"]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} 澄清修改 {local_datetime(self.published_at, '%Y-%m-%d')}"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", "已递交"
    WITHDRAWN = "withdrawn", "已撤回"
    VALID = "valid", "有效"
    REJECTED = "rejected", "否决/无效"
    CANDIDATE = "candidate", "中标候选人"
    AWARDED = "awarded", "中标"
    NOT_AWARDED = "not_awarded", "未中标"


class RejectionCode(models.TextChoices):
    QUALIFICATION = "qualification", "资格审查不合格"
    SUBSTANTIVE = "substantive", "未实质性响应"
    P1 = "p1", "P1 提交选择性报价"
    P2 = "p2", "P2 报价超过招标控制价"
    P3 = "p3", "P3 报价明显低于成本且未能合理说明"
    P4 = "p4", "P4 同一投标人提交两个以上不同报价"
    COLLUSION = "collusion", "串通投标（雷同）"
    LATE = "late", "逾期送达"


class Bid(GovernedModel):
    """投标文件 of a bidder (identified by 统一社会信用代码 via ``portal.Enterprise``) on one lot."""

    lot = models.ForeignKey(Lot, verbose_name="合同包", on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey("portal.Enterprise", verbose_name="投标人", on_delete=models.PROTECT,
                               related_name="bids")
    submitted_at = models.DateTimeField("递交时间")
    price_figures = models.DecimalField("投标函报价（小写）", **MONEY)
    price_words = models.DecimalField("投标函报价（大写折算）", null=True, blank=True, **MONEY)
    summary_total = models.DecimalField("总价报价表合计", null=True, blank=True, **MONEY)
    evaluated_price = models.DecimalField("报价评标价", null=True, blank=True, **MONEY)
    correction_notes = models.TextField("算术修正说明", blank=True)
    status = models.CharField("状态", max_length=16, choices=BidStatus.choices, default=BidStatus.SUBMITTED,
                              db_index=True)
    qualification_passed = models.BooleanField("资格审查通过", null=True, blank=True)
    responsive = models.BooleanField("技术商务实质性响应", null=True, blank=True)
    rejection_code = models.CharField("否决类型", max_length=16, choices=RejectionCode.choices, blank=True)
    rejection_reason = models.TextField("否决理由", blank=True)
    is_abnormally_low = models.BooleanField("报价明显偏低", default=False)
    explanation_accepted = models.BooleanField("低价说明被接受", null=True, blank=True)
    tech_score = models.DecimalField("技术分（平均）", null=True, blank=True, **SCORE)
    tech_score_raw = models.DecimalField("技术分（未舍入）", max_digits=12, decimal_places=6, null=True, blank=True)
    commercial_score = models.DecimalField("商务分（平均）", null=True, blank=True, **SCORE)
    commercial_score_raw = models.DecimalField("商务分（未舍入）", max_digits=12, decimal_places=6, null=True,
                                               blank=True)
    price_score = models.DecimalField("价格分", null=True, blank=True, **SCORE)
    total_score = models.DecimalField("总分", null=True, blank=True, **SCORE)
    deduction_total = models.DecimalField("价格扣除合计", null=True, blank=True, **MONEY)
    price_after_deduction = models.DecimalField("扣除后评审价", null=True, blank=True, **MONEY)
    rank = models.PositiveSmallIntegerField("排名", null=True, blank=True)
    draw_order = models.PositiveSmallIntegerField("并列抽签顺序", null=True, blank=True)
    tech_file_text = models.TextField("技术文件文本（用于雷同比对）", blank=True)

    class Meta:
        verbose_name = "投标"
        verbose_name_plural = "投标"
        ordering = ["lot", "rank", "id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["lot", "rank", "id"], name="proc_bid_lot_rank"),
            models.Index(fields=["status", "lot"], name="proc_bid_status_lot"),
        ]
        constraints = [models.UniqueConstraint(fields=["lot", "bidder"], name="proc_uniq_bid_per_lot")]

    def __str__(self) -> str:
        return f"{self.bidder} → {self.lot}"


class BidLineItem(GovernedModel):
    """分项报价 (R 16: unit prices for every item); flags drive the lowest-price deductions (§4.9)."""

    bid = models.ForeignKey(Bid, verbose_name="投标", on_delete=models.PROTECT, related_name="line_items")
    item_no = models.CharField("品目号", max_length=20)
    unit_price = models.DecimalField("单价", **MONEY)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=2, default=Decimal("1"))
    amount = models.DecimalField("合价", **MONEY)
    is_small_micro_goods = models.BooleanField("小微企业产品（货物）", default=False)
    is_energy_eco = models.BooleanField("节能/环境标志产品", default=False)
    is_mandatory_energy = models.BooleanField("强制节能产品", default=False)
    is_component_only = models.BooleanField("仅为部件/模块", default=False)

    class Meta:
        verbose_name = "分项报价"
        verbose_name_plural = "分项报价"
        ordering = ["bid", "item_no"]

    def __str__(self) -> str:
        return f"{self.item_no} {self.amount}"


class FingerprintPhase(models.TextChoices):
    COMPILE = "compile", "编制"
    UPLOAD = "upload", "上传"
    DECRYPT = "decrypt", "解密"


class HardwareFingerprint(GovernedModel):
    """Machine identifiers the platform recorded for a bid (R 24, MT 28.4)."""

    bid = models.ForeignKey(Bid, verbose_name="投标", on_delete=models.PROTECT, related_name="fingerprints")
    phase = models.CharField("环节", max_length=8, choices=FingerprintPhase.choices)
    mac = models.CharField("网卡MAC", max_length=64, blank=True)
    cpu_serial = models.CharField("CPU序列号", max_length=64)
    disk_serial = models.CharField("硬盘序列号", max_length=64)
    is_on_site = models.BooleanField("在开标现场上传/解密", default=False)

    class Meta:
        verbose_name = "硬件特征码"
        verbose_name_plural = "硬件特征码"

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.cpu_serial}/{self.disk_serial}"


class BondStatus(models.TextChoices):
    HELD = "held", "已收取"
    INVALID = "invalid", "无效（非基本账户等）"
    REFUNDED = "refunded", "已退还"
    FORFEITED = "forfeited", "不予退还"


class BondForm(models.TextChoices):
    CASH = "cash", "现金转账"
    BANK_GUARANTEE = "bank_guarantee", "银行保函"
    GUARANTEE_COMPANY = "guarantee_company", "担保机构保函"


class BidBond(GovernedModel):
    """投标保证金: refund within 5 days of its trigger (MT 19.5/19.6); forfeiture on the listed grounds."""

    bid = models.OneToOneField(Bid, verbose_name="投标", on_delete=models.PROTECT, related_name="bond")
    amount = models.DecimalField("金额（元）", **MONEY)
    form = models.CharField("形式", max_length=20, choices=BondForm.choices, default=BondForm.CASH)
    guarantor = models.CharField("出具保函的银行/担保机构", max_length=120, blank=True)
    payer_account_no = models.CharField("付款账号", max_length=40, blank=True)
    is_from_basic_account = models.BooleanField("从基本存款账户转出", default=True)
    received_at = models.DateTimeField("到账时间")
    status = models.CharField("状态", max_length=12, choices=BondStatus.choices, default=BondStatus.HELD)
    refund_due_on = models.DateField("应退还日期", null=True, blank=True)
    refunded_on = models.DateField("退还日期", null=True, blank=True)
    forfeited_reason = models.TextField("不予退还理由", blank=True)

    class Meta:
        verbose_name = "投标保证金"
        verbose_name_plural = "投标保证金"

    def __str__(self) -> str:
        return f"{self.bid.bidder} 保证金 {self.amount}"


class MemberKind(models.TextChoices):
    EXPERT = "expert", "评标专家"
    TENDERER_REP = "tenderer_rep", "招标人代表"


class CommitteeMember(GovernedModel):
    """评标委员会成员; ``user`` links the portal account that scores (evaluators see only their tenders)."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT,
                               related_name="committee")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账户", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="procurement_evaluations")
    name = models.CharField("姓名", max_length=60)
    kind = models.CharField("类别", max_length=16, choices=MemberKind.choices, default=MemberKind.EXPERT)
    is_chair = models.BooleanField("评标委员会负责人", default=False)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    is_recused = models.BooleanField("已回避", default=False)
    recusal_reason = models.TextField("回避理由", blank=True)

    class Meta:
        verbose_name = "评标委员会成员"
        verbose_name_plural = "评标委员会成员"
        ordering = ["tender", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class ScorePart(models.TextChoices):
    TECH = "tech", "技术"
    COMMERCIAL = "commercial", "商务"


class Score(GovernedModel):
    """One evaluator's technical or commercial points for one bid (averaged across evaluators)."""

    member = models.ForeignKey(CommitteeMember, verbose_name="评委", on_delete=models.PROTECT, related_name="scores")
    bid = models.ForeignKey(Bid, verbose_name="投标", on_delete=models.PROTECT, related_name="scores")
    part = models.CharField("部分", max_length=12, choices=ScorePart.choices)
    points = models.DecimalField("得分", **SCORE)

    class Meta:
        verbose_name = "评委打分"
        verbose_name_plural = "评委打分"
        constraints = [models.UniqueConstraint(fields=["member", "bid", "part"], name="proc_uniq_score")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_part_display()} {self.points}"


class DrawParam(models.TextChoices):
    C = "C", "C值"
    K = "K", "K值"
    TIE = "tie", "并列排名抽签"


class RandomDraw(GovernedModel):
    """随机参数抽取 at opening (MT Ch.3 §9), on video; a voided draw is kept and redrawn."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="draws")
    param = models.CharField("参数", max_length=4, choices=DrawParam.choices)
    value = models.DecimalField("抽取值", max_digits=8, decimal_places=4)
    balls = models.CharField("摇号球号", max_length=40, blank=True)
    bid = models.ForeignKey(Bid, verbose_name="并列投标（抽签）", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    drawn_by = models.CharField("抽取人（招标人代表）", max_length=60)
    drawn_at = models.DateTimeField("抽取时间")
    video_ref = models.CharField("录像编号", max_length=120, blank=True)
    is_void = models.BooleanField("作废", default=False)
    void_reason = models.TextField("作废原因", blank=True)

    class Meta:
        verbose_name = "随机抽取记录"
        verbose_name_plural = "随机抽取记录"
        ordering = ["tender", "drawn_at"]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} {self.param}={self.value}{'（作废）' if self.is_void else ''}"
