"""The eleven red-flag rules of issue 6 (procurement.md §5; Cardinal R003/R018/R028/R035/R036/R058 analogues)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import combinations
from typing import Any

from procurement.models import Bid, BidStatus, Contract, FingerprintPhase, Lot, LotStatus
from procurement.redflags.base import EVENT_AWARD, EVENT_BID, EVENT_CONTRACT, Finding, RedFlagRule

LIVE_BID_STATUSES = (BidStatus.SUBMITTED, BidStatus.VALID, BidStatus.REJECTED, BidStatus.CANDIDATE,
                     BidStatus.AWARDED, BidStatus.NOT_AWARDED)


def _lots(tender: Any) -> list[Lot]:
    return list(tender.lots.all())


def _bids(lot: Lot) -> list[Bid]:
    return [b for b in lot.bids.all() if b.status in LIVE_BID_STATUSES]


def _price(bid: Bid) -> Decimal:
    return bid.evaluated_price if bid.evaluated_price is not None else bid.price_figures


def _pct(ratio: Decimal) -> str:
    """A ratio in force as a percentage for messages: 0.98 → "98", 0.925 → "92.5"."""
    return format((Decimal(ratio) * 100).normalize(), "f")


def _after_deadline(tender: Any) -> bool:
    from procurement.models import TenderStatus

    return tender.status not in (TenderStatus.DRAFT, TenderStatus.ISSUED)


class FewBids(RedFlagRule):
    code = "RF01"
    name = "单一或不足3家投标"
    description = "投标截止时投标人少于3家（单一投标尤甚）：竞争不充分，可能存在排斥潜在投标人或量身定做。"
    legal_basis = "示范文本第35.1条（不足3家不得开标，重新招标）；Cardinal R018"
    thresholds = {"min_bids": 3}

    def check(self, tender: Any) -> list[Finding]:
        if not _after_deadline(tender):
            return []
        out = []
        minimum = self.threshold(tender, "min_bids")
        for lot in _lots(tender):
            count = len(_bids(lot))
            if count < minimum:
                kind = "单一投标" if count == 1 else f"仅{count}家投标"
                out.append(Finding(f"合同包{lot.lot_no}：{kind}（少于{minimum}家）。", key=f"lot{lot.pk}", lot=lot,
                                   detail={"bids": count, "min_bids": minimum}))
        return out


class PriceNearControl(RedFlagRule):
    code = "RF02"
    name = "中标价接近招标控制价"
    description = "中标价不低于最高投标限价的98%：可能存在围标抬价或控制价泄露。"
    legal_basis = "福建省信息化工程项目招标投标行政监督管理办法第6条第(7)项（串通投标监督）"
    thresholds = {"ratio": Decimal("0.98")}
    events = (EVENT_AWARD, EVENT_CONTRACT)

    def check(self, tender: Any) -> list[Finding]:
        out = []
        limit = self.threshold(tender, "ratio")
        for lot in _lots(tender):
            bid = lot.awarded_bid
            if bid is None:
                continue
            ratio = _price(bid) / lot.control_price
            if ratio >= limit:
                out.append(Finding(f"合同包{lot.lot_no}：中标价{_price(bid)}为控制价{lot.control_price}的"
                                   f"{(ratio * 100).quantize(Decimal('0.01'))}%（预警线{_pct(limit)}%）。",
                                   key=f"lot{lot.pk}", lot=lot, bid=bid, bidder=bid.bidder,
                                   detail={"ratio": str(ratio), "threshold": str(limit)}))
        return out


class IdenticalPrices(RedFlagRule):
    code = "RF03"
    name = "投标报价相同"
    description = "不同投标人报价完全相同：示范文本28.3(6)“投标文件异常一致或报价呈规律性差异”。"
    legal_basis = "示范文本第28.3条第(6)项；招标投标法实施条例第40条；Cardinal R028"

    def check(self, tender: Any) -> list[Finding]:
        out = []
        for lot in _lots(tender):
            by_price: dict[Decimal, list[Bid]] = {}
            for bid in _bids(lot):
                by_price.setdefault(bid.price_figures, []).append(bid)
            for price, bids in by_price.items():
                if len(bids) > 1:
                    names = "、".join(b.bidder.name for b in bids)
                    for bid in bids:
                        out.append(Finding(f"合同包{lot.lot_no}：{names}报价均为{price}。", key=f"bid{bid.pk}",
                                           lot=lot, bid=bid, bidder=bid.bidder,
                                           detail={"price": str(price), "bids": [b.pk for b in bids]}))
        return out


def _s1_keys(bid: Bid) -> set[tuple[str, str, str]]:
    return {(f.mac, f.cpu_serial, f.disk_serial) for f in bid.fingerprints.all()
            if f.phase in (FingerprintPhase.UPLOAD, FingerprintPhase.DECRYPT) and not f.is_on_site}


def _s2_match(a: Bid, b: Bid) -> bool:
    xs = [f for f in a.fingerprints.all() if f.phase == FingerprintPhase.COMPILE]
    ys = [f for f in b.fingerprints.all() if f.phase == FingerprintPhase.COMPILE]
    return any(x.cpu_serial == y.cpu_serial and x.disk_serial == y.disk_serial
               and (x.mac == y.mac or not (x.mac and y.mac)) for x in xs for y in ys)


class IdenticalHardware(RedFlagRule):
    code = "RF04"
    name = "不同投标人硬件特征码相同"
    description = ("两家投标人上传/解密机器的MAC、CPU序列号、硬盘序列号全部相同（S1，开标现场除外），"
                   "或编制机器CPU与硬盘序列号相同（S2）：视为串通投标，应否决。")
    legal_basis = "若干规则第24条；行政监督管理办法第8条；示范文本第28.4条；招标投标法实施条例第40条"

    def check(self, tender: Any) -> list[Finding]:
        out = []
        for lot in _lots(tender):
            for a, b in combinations(_bids(lot), 2):
                s1 = bool(_s1_keys(a) & _s1_keys(b))
                s2 = _s2_match(a, b)
                if s1 or s2:
                    kinds = "、".join(k for k, hit in (("上传/解密(S1)", s1), ("编制(S2)", s2)) if hit)
                    for bid in (a, b):
                        other = b if bid is a else a
                        out.append(Finding(f"合同包{lot.lot_no}：{bid.bidder.name}与{other.bidder.name}"
                                           f"{kinds}硬件特征码相同。", key=f"bid{bid.pk}-{other.pk}", lot=lot,
                                           bid=bid, bidder=bid.bidder,
                                           detail={"other_bid": other.pk, "s1": s1, "s2": s2}))
        return out


def _shingles(text: str, size: int = 5) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + size] for i in range(max(len(compact) - size + 1, 0))}


def text_similarity(a: str, b: str) -> Decimal:
    """Jaccard similarity of 5-character shingles (whitespace ignored), 0..1."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return Decimal(0)
    return (Decimal(len(sa & sb)) / Decimal(len(sa | sb))).quantize(Decimal("0.0001"))


class SimilarTechFiles(RedFlagRule):
    code = "RF05"
    name = "技术文件雷同"
    description = "两家投标人的技术文件高度一致（5字片段Jaccard相似度≥0.90）：可能由同一单位或个人编制。"
    legal_basis = "示范文本第28.4条（S3 查重异常一致）；招标投标法实施条例第40条第(4)项"
    thresholds = {"similarity": Decimal("0.90"), "min_chars": 20}

    def check(self, tender: Any) -> list[Finding]:
        out = []
        min_chars, limit = self.threshold(tender, "min_chars"), self.threshold(tender, "similarity")
        for lot in _lots(tender):
            bids = [b for b in _bids(lot) if len(b.tech_file_text.strip()) >= min_chars]
            for a, b in combinations(bids, 2):
                sim = text_similarity(a.tech_file_text, b.tech_file_text)
                if sim >= limit:
                    for bid, other in ((a, b), (b, a)):
                        out.append(Finding(f"合同包{lot.lot_no}：{bid.bidder.name}与{other.bidder.name}技术文件"
                                           f"相似度{(sim * 100).quantize(Decimal('0.1'))}%（预警线{_pct(limit)}%）。",
                                           key=f"bid{bid.pk}-{other.pk}", lot=lot, bid=bid, bidder=bid.bidder,
                                           detail={"other_bid": other.pk, "similarity": str(sim)}))
        return out


class AllButWinnerDisqualified(RedFlagRule):
    code = "RF06"
    name = "除中标人外均被否决"
    description = "除中标人外其余投标均被否决：可能通过资格审查排斥竞争者。"
    legal_basis = "行政监督管理办法第6条第(8)项（评标活动合法性）；Cardinal R035"
    events = (EVENT_AWARD, EVENT_CONTRACT)

    def check(self, tender: Any) -> list[Finding]:
        out = []
        for lot in _lots(tender):
            winner = lot.awarded_bid
            others = [b for b in _bids(lot) if winner is not None and b.pk != winner.pk]
            if winner is not None and others and all(b.status == BidStatus.REJECTED for b in others):
                out.append(Finding(f"合同包{lot.lot_no}：除中标人{winner.bidder.name}外，其余{len(others)}家均被否决。",
                                   key=f"lot{lot.pk}", lot=lot, bid=winner, bidder=winner.bidder,
                                   detail={"rejected": [b.pk for b in others]}))
        return out


class LowestBidDisqualified(RedFlagRule):
    code = "RF07"
    name = "最低报价被否决"
    description = "报价最低的投标被否决：需核实否决理由是否充分，防止以资格审查排除低价竞争者。"
    legal_basis = "示范文本第三章评标办法；Cardinal R036"
    events = (EVENT_BID, EVENT_AWARD)

    def check(self, tender: Any) -> list[Finding]:
        out = []
        for lot in _lots(tender):
            if lot.status not in (LotStatus.EVALUATED, LotStatus.AWARDED, LotStatus.CONTRACTED, LotStatus.FAILED):
                continue
            bids = _bids(lot)
            if len(bids) < 2:
                continue
            lowest = min(bids, key=lambda b: (_price(b), b.pk))
            if lowest.status == BidStatus.REJECTED and lowest.rejection_code != "p2":
                out.append(Finding(f"合同包{lot.lot_no}：最低报价{_price(lowest)}（{lowest.bidder.name}）被否决："
                                   f"{lowest.get_rejection_code_display()}。", key=f"bid{lowest.pk}", lot=lot,
                                   bid=lowest, bidder=lowest.bidder, detail={"reason": lowest.rejection_reason}))
        return out


class RepeatWinner(RedFlagRule):
    code = "RF08"
    name = "同一采购人重复中标"
    description = "同一投标人12个月内在同一招标人处中标达到3次以上：可能存在长期绑定或倾向性。"
    legal_basis = "行政监督管理办法第6条第(7)项（长期捆绑投标）；标后监管"
    thresholds = {"wins": 3, "days": 365}
    events = (EVENT_AWARD,)

    def check(self, tender: Any) -> list[Finding]:
        if tender.award_determined_on is None:
            return []
        days, minimum = self.threshold(tender, "days"), self.threshold(tender, "wins")
        since = tender.award_determined_on - timedelta(days=days)
        out = []
        for lot in _lots(tender):
            bid = lot.awarded_bid
            if bid is None:
                continue
            wins = Lot.objects.filter(tender__tenderer_id=tender.tenderer_id, awarded_bid__bidder_id=bid.bidder_id,
                                      tender__award_determined_on__gte=since,
                                      tender__award_determined_on__lte=tender.award_determined_on).count()
            if wins >= minimum:
                out.append(Finding(f"{bid.bidder.name}近{days}日内在{tender.tenderer.name}处中标{wins}次"
                                   f"（预警线{minimum}次）。",
                                   key=f"bidder{bid.bidder_id}", lot=lot, bid=bid, bidder=bid.bidder,
                                   detail={"wins": wins}))
        return out


class ContractSplitting(RedFlagRule):
    code = "RF09"
    name = "疑似拆分合同规避限额"
    description = "同一招标人就同一项目在180天内签订2份以上均低于公开招标限额、合计达到限额的合同：疑似化整为零。"
    legal_basis = "行政监督管理办法第6条第(2)项（肢解发包、规避招标）；黑龙江办法第8条（不得拆分项目）"
    thresholds = {"limit": Decimal("4000000"), "days": 180}
    events = (EVENT_CONTRACT,)

    def check(self, tender: Any) -> list[Finding]:
        signed = [lot.contract for lot in _lots(tender) if hasattr(lot, "contract")]
        if not signed:
            return []
        latest = max(c.signed_on for c in signed)
        days = self.threshold(tender, "days")
        since = latest - timedelta(days=days)
        contracts = list(Contract.objects.filter(lot__tender__tenderer_id=tender.tenderer_id,
                                                 lot__tender__project_id=tender.project_id,
                                                 signed_on__gte=since, signed_on__lte=latest))
        limit = self.threshold(tender, "limit")
        total = sum((c.amount for c in contracts), Decimal(0))
        if len(contracts) >= 2 and all(c.amount < limit for c in contracts) and total >= limit:
            return [Finding(f"项目“{tender.project.name}”{days}天内{len(contracts)}份合同均低于{limit}元，合计{total}元。",
                            key=f"project{tender.project_id}",
                            detail={"contracts": [c.contract_no for c in contracts], "total": str(total)})]
        return []


class ShortBidPeriod(RedFlagRule):
    code = "RF10"
    name = "投标准备时间过短"
    description = "招标文件发出至投标截止不足20日：潜在投标人准备时间不足，可能为内定投标人量身安排。"
    legal_basis = "招标投标法第24条（外部法规，需法务确认）；Cardinal R003"
    thresholds = {"min_days": 20}

    def check(self, tender: Any) -> list[Finding]:
        if tender.issued_at is None:
            return []
        period = tender.bid_deadline - tender.issued_at
        minimum = self.threshold(tender, "min_days")
        if period < timedelta(days=minimum):
            days = (period.total_seconds() / 86400)
            return [Finding(f"招标文件发出至投标截止仅{days:.1f}日（少于{minimum}日）。", key="tender",
                            detail={"days": f"{days:.2f}", "min_days": minimum})]
        return []


class AbnormallyLowPrice(RedFlagRule):
    code = "RF11"
    name = "报价明显偏低"
    description = "报价低于通过资格和符合性审查投标报价平均值的50%：可能低于成本，影响履约。"
    legal_basis = "示范文本第17.5条、第三章第6.1条；Cardinal R058"
    thresholds = {"ratio": Decimal("0.5")}

    def check(self, tender: Any) -> list[Finding]:
        if not _after_deadline(tender):
            return []
        out = []
        for lot in _lots(tender):
            bids = [b for b in _bids(lot) if b.status != BidStatus.REJECTED or b.rejection_code == "p3"]
            bids = [b for b in bids if b.qualification_passed is not False and b.responsive is not False]
            if len(bids) < 2:
                continue
            mean = sum((_price(b) for b in bids), Decimal(0)) / len(bids)
            ratio = self.threshold(tender, "ratio")
            threshold = mean * ratio
            for bid in bids:
                if _price(bid) < threshold:
                    out.append(Finding(f"合同包{lot.lot_no}：{bid.bidder.name}报价{_price(bid)}低于平均价"
                                       f"{mean.quantize(Decimal('0.01'))}的{_pct(ratio)}%。", key=f"bid{bid.pk}", lot=lot,
                                       bid=bid, bidder=bid.bidder, detail={"threshold": str(threshold)}))
        return out


RULES: list[RedFlagRule] = [FewBids(), PriceNearControl(), IdenticalPrices(), IdenticalHardware(),
                            SimilarTechFiles(), AllButWinnerDisqualified(), LowestBidDisqualified(), RepeatWinner(),
                            ContractSplitting(), ShortBidPeriod(), AbnormallyLowPrice()]
RULES_BY_CODE = {rule.code: rule for rule in RULES}
