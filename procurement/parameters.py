"""Rule parameters as data: statutory time limits and red-flag thresholds with effective dates and jurisdiction.

``REGISTRY`` declares every parameter once (label, unit, default, source clause, whether the value still needs legal
confirmation). Rows of ``RuleParameter`` (admin-editable, with history) override the default for a period and a
jurisdiction (an organisation and everything under it; empty = the whole city). ``value(code, on=, unit=)`` picks
the row in force on the day for the most specific jurisdiction of the unit, else the registered default. A new
policy year or a county's own figure is therefore a data change (ADR 0406).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from procurement import deadlines as d


@dataclass(frozen=True)
class ParamDef:
    code: str
    label: str
    unit: str  # 日 / 个工作日 / 个月 / 年 / 家 / 比例 / 元 / 分
    default: Decimal
    source: str
    needs_confirmation: bool = False


def _p(code: str, label: str, unit: str, default: Any, source: str, confirm: bool = False) -> ParamDef:
    return ParamDef(code, label, unit, Decimal(str(default)), source, confirm)


REGISTRY: dict[str, ParamDef] = {p.code: p for p in (
    # projects (Heilongjiang measures adopted for Quanzhou, ADR 0401 — adoption itself needs confirmation)
    _p("JOINT_REVIEW_WORKDAYS", "联合审核期限", "个工作日", d.JOINT_REVIEW_WORKDAYS, "黑龙江办法第10条（D33）", True),
    _p("PD_REVIEW_WORKDAYS", "初步设计审批期限", "个工作日", d.PD_REVIEW_WORKDAYS, "黑龙江办法第13条（D35）", True),
    _p("ADJUSTMENT_MAX_PCT", "概算内容调整备案上限（占概算%）", "%", d.ADJUSTMENT_MAX_PCT, "黑龙江办法第28条", True),
    _p("ACCEPTANCE_MONTHS", "建设完成后申请验收期限", "个月", d.ACCEPTANCE_MONTHS, "黑龙江办法第31条（D36）", True),
    # tenders (Fujian model text MT, rules R, supervision measures SM)
    _p("AMENDMENT_MIN_DAYS", "澄清修改距投标截止最少天数", "日", d.AMENDMENT_MIN_DAYS, "示范文本第12.1条（D3）"),
    _p("MIN_BIDS", "开标最少投标人数", "家", d.MIN_BIDS, "示范文本第35.1条（D6）"),
    _p("CANDIDATE_PUBLICITY_START_DAYS", "候选人公示发布期限（收到评标报告后）", "日",
       d.CANDIDATE_PUBLICITY_START_DAYS, "示范文本第30条、若干规则第27条（D12）"),
    _p("CANDIDATE_PUBLICITY_MIN_DAYS", "候选人公示最短期", "日", d.CANDIDATE_PUBLICITY_MIN_DAYS,
       "招标投标法实施条例第54条（D13）"),
    _p("AWARD_DECISION_DAYS", "确定中标人期限（收到评标报告后）", "日", d.AWARD_DECISION_DAYS, "若干规则第28条（D14）"),
    _p("AWARD_PUBLICITY_START_DAYS", "中标结果公示发布期限", "日", d.AWARD_PUBLICITY_START_DAYS, "示范文本第31条（D15）"),
    _p("AWARD_PUBLICITY_MIN_DAYS", "中标结果公示最短期", "日", d.AWARD_PUBLICITY_MIN_DAYS, "示范文本第31条（D16）"),
    _p("CONTRACT_PUBLICITY_START_DAYS", "合同公示发布期限", "日", d.CONTRACT_PUBLICITY_START_DAYS,
       "示范文本第34.3条、若干规则第29条（D18）"),
    _p("CONTRACT_PUBLICITY_MIN_DAYS", "合同公示最短期", "日", d.CONTRACT_PUBLICITY_MIN_DAYS, "若干规则第29条（D18）"),
    _p("WRITTEN_REPORT_DAYS", "书面报告提交期限", "日", d.WRITTEN_REPORT_DAYS, "招标投标法第47条（D19）"),
    _p("BOND_REFUND_DAYS", "投标保证金退还期限", "日", d.BOND_REFUND_DAYS, "示范文本第19.5、19.6条（D20、D21）"),
    _p("OBJECTION_DECISION_DAYS", "异议受理决定期限", "日", d.OBJECTION_DECISION_DAYS, "若干规则第31条（D7）"),
    _p("OBJECTION_REPLY_DAYS", "异议答复期限", "日", d.OBJECTION_REPLY_DAYS, "招标投标法实施条例第22、44、54条（D8）"),
    _p("COMPLAINT_FILING_DAYS", "投诉期限（知道之日起）", "日", d.COMPLAINT_FILING_DAYS,
       "招标投标法实施条例第60条（D23）"),
    _p("COMPLAINT_REVIEW_WORKDAYS", "投诉审查期限", "个工作日", d.COMPLAINT_REVIEW_WORKDAYS, "行政监督管理办法第10条（D24）"),
    _p("PENALTY_PAY_DAYS", "罚款缴纳期限", "日", d.PENALTY_PAY_DAYS, "行政处罚法第67条（D25）"),
    _p("CREDIT_REGISTER_WORKDAYS", "处罚信息信用登记期限", "个工作日", d.CREDIT_REGISTER_WORKDAYS,
       "行政监督管理办法（D27）", True),
    _p("BAD_CONDUCT_YEARS", "不良行为记录有效期", "年", d.BAD_CONDUCT_YEARS, "行政监督管理办法（D28）", True),
    # red-flag thresholds (ADR 0404)
    _p("RF01_MIN_BIDS", "RF01 最少投标家数", "家", 3, "示范文本第35.1条"),
    _p("RF02_RATIO", "RF02 中标价/控制价预警比例", "比例", "0.98", "行政监督管理办法第6条第(7)项；比例为本系统设定", True),
    _p("RF05_SIMILARITY", "RF05 技术文件相似度", "比例", "0.90", "示范文本第28.3条第(6)项；阈值为本系统设定", True),
    _p("RF05_MIN_CHARS", "RF05 参与比对的最少字数", "字", 20, "本系统设定", True),
    _p("RF08_WINS", "RF08 同一招标人处中标次数", "次", 3, "Cardinal R036 类比；本系统设定", True),
    _p("RF08_DAYS", "RF08 统计期", "日", 365, "本系统设定", True),
    _p("RF09_LIMIT", "RF09 依法必须公开招标限额", "元", 4000000, "必须招标的工程项目规定第5条（服务400万元）", True),
    _p("RF09_DAYS", "RF09 统计期", "日", 180, "本系统设定", True),
    _p("RF10_MIN_DAYS", "RF10 最短投标准备期", "日", d.MIN_BID_PERIOD_DAYS, "招标投标法第24条", True),
    _p("RF11_RATIO", "RF11 明显偏低比例（占平均价）", "比例", "0.5", "示范文本第17.5条、第三章第6.1条"),
)}


def value(code: str, *, on: date | None = None, unit: Any = None) -> Decimal:
    """The parameter in force on ``on`` for ``unit`` (most specific jurisdiction first), else the default."""
    from procurement.models import RuleParameter

    if code not in REGISTRY:
        raise KeyError(code)
    on = on or d.today()
    q = Q(jurisdiction__isnull=True)
    path = getattr(unit, "path", "") or ""
    if path:
        ancestors = [int(pk) for pk in path.strip("/").split("/") if pk]
        q |= Q(jurisdiction_id__in=ancestors)
    rows = (RuleParameter.objects.filter(q, code=code, valid_from__lte=on, retired_at__isnull=True)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).select_related("jurisdiction"))
    best = max(rows, key=lambda r: (len(r.jurisdiction.path) if r.jurisdiction_id else 0, r.valid_from),
               default=None)
    return best.value if best is not None else REGISTRY[code].default


def int_value(code: str, *, on: date | None = None, unit: Any = None) -> int:
    return int(value(code, on=on, unit=unit))
