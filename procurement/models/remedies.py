"""Publicity, contracts, objections, complaints, bad-conduct records, penalty decisions and red flags."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import GovernedModel
from procurement.models.projects import MONEY
from procurement.models.tenders import Bid, Lot, Tender


class PublicityKind(models.TextChoices):
    CANDIDATES = "candidates", "中标候选人公示"
    AWARD = "award", "中标结果公示"
    CONTRACT = "contract", "合同公示"


class Publicity(GovernedModel):
    """A publication window; start and minimum duration are checked by the service (MT 30, 31, 34.3)."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="publicities")
    kind = models.CharField("类型", max_length=12, choices=PublicityKind.choices)
    contract = models.ForeignKey("procurement.Contract", verbose_name="合同", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="publicities")
    starts_on = models.DateField("公示开始日")
    ends_on = models.DateField("公示结束日")
    platform = models.CharField("发布媒介", max_length=200, default="福建省公共资源交易电子公共服务平台")
    content = models.TextField("公示内容", blank=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["tender", "starts_on"]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} {self.get_kind_display()} {self.starts_on}—{self.ends_on}"


class Contract(GovernedModel):
    """合同: amount equals the award; signed within the BDS days of the notice; published within 3 days."""

    lot = models.OneToOneField(Lot, verbose_name="合同包", on_delete=models.PROTECT, related_name="contract")
    bid = models.ForeignKey(Bid, verbose_name="中标投标", on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("portal.Enterprise", verbose_name="中标人", on_delete=models.PROTECT,
                                 related_name="procurement_contracts")
    contract_no = models.CharField("合同编号", max_length=60, unique=True)
    amount = models.DecimalField("合同金额（元）", **MONEY)
    signed_on = models.DateField("签订日期")
    performance_security_posted_on = models.DateField("履约保证金提交日期", null=True, blank=True)
    has_ip_clause = models.BooleanField("含知识产权归属条款（成果归建设单位）", default=True)

    class Meta:
        verbose_name = "合同"
        verbose_name_plural = "合同"
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return f"{self.contract_no} {self.supplier}"


class ObjectionStage(models.TextChoices):
    TENDER_DOC = "tender_doc", "对招标文件"
    OPENING = "opening", "对开标"
    EVALUATION_RESULT = "evaluation_result", "对评标结果"
    AWARD = "award", "对中标结果"
    CONTRACT = "contract", "对合同"


class ObjectionStatus(models.TextChoices):
    RECEIVED = "received", "已收到"
    ACCEPTED = "accepted", "已受理"
    DEEMED_ACCEPTED = "deemed_accepted", "逾期未决定，视为受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    ANSWERED = "answered", "已答复"


OPEN_OBJECTION_STATUSES = (ObjectionStatus.RECEIVED, ObjectionStatus.ACCEPTED, ObjectionStatus.DEEMED_ACCEPTED)


class NonAcceptanceReason(models.TextChoices):
    NO_INTEREST = "no_interest", "非投标人或其他利害关系人"
    VAGUE = "vague", "内容不明确、无线索"
    MISSING_SEALS = "missing_seals", "未按要求签章"
    OUT_OF_TIME = "out_of_time", "超过异议期限"


class Objection(GovernedModel):
    """异议 to the tenderer: decide acceptance within 2 days, answer within 3; the tender is paused meanwhile."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="objections")
    stage = models.CharField("异议事项", max_length=20, choices=ObjectionStage.choices)
    objector = models.ForeignKey("portal.Enterprise", verbose_name="异议人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="procurement_objections")
    objector_name = models.CharField("异议人名称", max_length=200)
    facts = models.TextField("异议事项与理由")
    received_on = models.DateField("收到日期")
    decision_due_on = models.DateField("受理决定期限")
    reply_due_on = models.DateField("答复期限")
    status = models.CharField("状态", max_length=16, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.RECEIVED)
    non_acceptance_reason = models.CharField("不予受理理由", max_length=16, choices=NonAcceptanceReason.choices,
                                             blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True)
    is_reply_late = models.BooleanField("逾期答复", default=False)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-received_on"]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} {self.objector_name} {self.get_stage_display()}异议"


class ComplaintStatus(models.TextChoices):
    FILED = "filed", "已提交待审查"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    DECIDED = "decided", "已作出处理决定"


class Complaint(GovernedModel):
    """投诉 to the oversight authority: within 10 days of knowing; reviewed within 3 working days (SM 9-10)."""

    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="complaints")
    complainant = models.ForeignKey("portal.Enterprise", verbose_name="投诉人", on_delete=models.PROTECT,
                                    related_name="procurement_complaints")
    matter = models.CharField("投诉事项", max_length=20, choices=ObjectionStage.choices)
    prior_objection = models.ForeignKey(Objection, verbose_name="前置异议", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="complaints")
    content = models.TextField("投诉内容")
    knew_on = models.DateField("知道或应当知道之日")
    filed_on = models.DateField("投诉日期")
    review_due_on = models.DateField("审查期限（3个工作日）")
    status = models.CharField("状态", max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.FILED)
    reviewed_on = models.DateField("审查日期", null=True, blank=True)
    is_review_late = models.BooleanField("逾期审查", default=False)
    suspends_award = models.BooleanField("责令暂停（发出中标通知书/签订合同）", default=False)
    decision = models.TextField("处理决定", blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-filed_on"]

    def __str__(self) -> str:
        return f"{self.tender.tender_no} {self.complainant} 投诉"


class PenaltyDecision(GovernedModel):
    """行政处罚决定书 (SM template): pay within 15 days of receipt; credit registration within 7 working days."""

    decision_no = models.CharField("决定书文号", max_length=80, unique=True)
    party = models.ForeignKey("portal.Enterprise", verbose_name="当事人", on_delete=models.PROTECT,
                              related_name="procurement_penalties")
    tender = models.ForeignKey(Tender, verbose_name="招标项目", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="penalties")
    issuing_authority = models.CharField("作出决定的机关", max_length=120)
    act_description = models.TextField("违法事实")
    legal_basis = models.TextField("处罚依据")
    fine_amount = models.DecimalField("罚款金额（元）", default=0, **MONEY)
    decided_on = models.DateField("决定日期")
    received_on = models.DateField("送达日期", null=True, blank=True)
    pay_by_on = models.DateField("缴款期限", null=True, blank=True)
    credit_register_due_on = models.DateField("信用登记期限（7个工作日）")
    credit_registered_on = models.DateField("信用登记日期", null=True, blank=True)
    document_text = models.TextField("决定书全文")

    class Meta:
        verbose_name = "行政处罚决定"
        verbose_name_plural = "行政处罚决定"
        ordering = ["-decided_on"]

    def __str__(self) -> str:
        return f"{self.decision_no} {self.party}"


class ConductGround(models.TextChoices):
    TRANSFER = "transfer", "转包、出借或借用资质"
    TAILORED = "tailored", "指向特定投标人的型号或参数"
    NO_QUALIFICATION = "no_qualification", "无资质或超越资质"
    COLLUSION = "collusion", "串通投标"
    FRAUD = "fraud", "弄虚作假"
    BRIBERY = "bribery", "行贿或泄露商业秘密被判决"
    LEAK = "leak", "泄露应当保密的招标信息"
    BOND_REFUND = "bond_refund", "违规收取或逾期退还保证金拒不改正"
    REFUSE_PENALTY = "refuse_penalty", "拒不履行处罚决定"
    PRIOR_PENALTY = "prior_penalty", "一年内受过招投标行政处罚"


class BadConductRecord(GovernedModel):
    """不良行为记录: valid 1 year, expires automatically; −1 to −2 commercial points meanwhile (R 36-39)."""

    subject = models.ForeignKey("portal.Enterprise", verbose_name="记录对象", on_delete=models.PROTECT,
                                related_name="bad_conduct_records")
    tender = models.ForeignKey(Tender, verbose_name="招标项目", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="bad_conduct_records")
    penalty = models.ForeignKey(PenaltyDecision, verbose_name="处罚决定", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="bad_conduct_records")
    ground = models.CharField("情形", max_length=20, choices=ConductGround.choices)
    decision_document_no = models.CharField("认定文书文号", max_length=80)
    description = models.TextField("事实")
    registered_on = models.DateField("登记日期")
    expires_on = models.DateField("失效日期", help_text="登记之日起1年，自动失效")

    class Meta:
        verbose_name = "不良行为记录"
        verbose_name_plural = "不良行为记录"
        ordering = ["-registered_on"]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_ground_display()}（至{self.expires_on}）"

    def is_effective(self, on) -> bool:  # type: ignore[no-untyped-def]
        return self.registered_on <= on < self.expires_on


class Disposition(models.TextChoices):
    OPEN = "open", "待复核"
    CONFIRMED = "confirmed", "确认"
    FALSE_POSITIVE = "false_positive", "误报"


class RedFlag(GovernedModel):
    """One result of a red-flag rule for a tender (and bid/bidder), with the reviewer's disposition."""

    rule_code = models.CharField("规则编号", max_length=16, db_index=True)
    tender = models.ForeignKey(Tender, verbose_name="招标项目", on_delete=models.PROTECT, related_name="red_flags")
    lot = models.ForeignKey(Lot, verbose_name="合同包", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    bid = models.ForeignKey(Bid, verbose_name="投标", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="red_flags")
    bidder = models.ForeignKey("portal.Enterprise", verbose_name="投标人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="procurement_red_flags")
    subject_key = models.CharField("对象键", max_length=120, default="", editable=False)
    message = models.TextField("说明")
    detail = models.JSONField("明细", default=dict, blank=True)
    legal_basis = models.CharField("依据", max_length=255)
    event = models.CharField("触发环节", max_length=16)
    first_found_at = models.DateTimeField("首次发现")
    last_found_at = models.DateTimeField("最近发现")
    is_current = models.BooleanField("仍成立", default=True)
    disposition = models.CharField("复核结论", max_length=16, choices=Disposition.choices, default=Disposition.OPEN)
    disposition_reason = models.TextField("复核理由", blank=True)
    disposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    disposed_at = models.DateTimeField("复核时间", null=True, blank=True)

    class Meta:
        verbose_name = "风险预警"
        verbose_name_plural = "风险预警（红旗）"
        ordering = ["-last_found_at"]
        constraints = [models.UniqueConstraint(fields=["rule_code", "tender", "subject_key"],
                                               name="proc_uniq_red_flag")]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.tender.tender_no} {self.message[:40]}"

    def history_json_labels(self, field_name: str) -> dict[str, str]:
        from procurement.redflags.base import DETAIL_LABELS

        return DETAIL_LABELS if field_name == "detail" else {}
