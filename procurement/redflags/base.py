"""The red-flag rule contract (modelled on prozorro-risks and Cardinal indicators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

EVENT_BID = "bid"
EVENT_AWARD = "award"
EVENT_CONTRACT = "contract"
EVENT_LABELS = {EVENT_BID: "投标/开标", EVENT_AWARD: "定标", EVENT_CONTRACT: "合同"}
# The keys of ``Finding.detail`` as a reviewer reads them.
DETAIL_LABELS = {
    "bids": "投标", "min_bids": "最少投标人数", "ratio": "比例", "threshold": "阈值", "price": "报价（元）",
    "other_bid": "另一投标", "s1": "上传/解密特征码相同（S1）", "s2": "编制特征码相同（S2）", "similarity": "相似度",
    "rejected": "被否决的投标", "reason": "否决理由", "wins": "中标次数", "contracts": "合同", "total": "合计金额（元）",
    "days": "投标准备天数", "min_days": "最少天数",
}
# Keys whose values are bid ids (a count for ``bids`` when it is a number)
DETAIL_BID_KEYS = frozenset({"bids", "other_bid", "rejected"})


@dataclass
class Finding:
    message: str
    key: str = ""  # identifies the subject inside the tender (lot, bid, pair…) so reruns update one row
    lot: Any = None
    bid: Any = None
    bidder: Any = None
    detail: dict[str, Any] = field(default_factory=dict)


class RedFlagRule:
    """One indicator. Subclasses set the class attributes and implement ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]  # why it is a red flag, as a reviewer reads it
    legal_basis: ClassVar[str]
    thresholds: ClassVar[dict[str, Any]] = {}
    effective_from: ClassVar[date] = date(2021, 1, 1)  # the Fujian rules are in force from 2021-01-01
    effective_to: ClassVar[date | None] = None
    events: ClassVar[tuple[str, ...]] = (EVENT_BID,)

    def is_effective(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def threshold(self, tender: Any, name: str) -> Any:
        """The threshold in force for the tenderer today (rule parameter ``<code>_<NAME>``), typed like the default."""
        from procurement import parameters

        default = self.thresholds[name]
        code = f"{self.code}_{name.upper()}"
        if code not in parameters.REGISTRY:
            return default
        found = parameters.value(code, unit=getattr(tender, "tenderer", None))
        return int(found) if isinstance(default, int) else found

    def check(self, tender: Any) -> list[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError
