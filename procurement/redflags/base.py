"""The red-flag rule contract (modelled on prozorro-risks and Cardinal indicators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

EVENT_BID = "bid"
EVENT_AWARD = "award"
EVENT_CONTRACT = "contract"
EVENT_LABELS = {EVENT_BID: "投标/开标", EVENT_AWARD: "定标", EVENT_CONTRACT: "合同"}


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
