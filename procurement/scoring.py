"""Bid evaluation arithmetic of the Fujian model tender document (procurement.md §4), in ``Decimal`` only.

Pure functions, no database: the ``price_scores`` command, the evaluation services and the tests all call these, so
the screens and the command can never disagree. Rounding follows §4.6 exactly:

* whole yuan (range bounds, benchmark): cut after the 1st decimal, then half-up to the unit;
* 2-decimal scores: cut after the 3rd decimal, then half-up to 0.01; negative scores count as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
HUNDRED = Decimal("100")

OPTION1 = "option1"
OPTION2 = "option2"
PRICE_OPTIONS = (OPTION1, OPTION2)

OPTION1_C_VALUES = tuple(Decimal(v) for v in ("0.40", "0.45", "0.50", "0.55", "0.60"))
K_LOW, K_HIGH = Decimal("0.9200"), Decimal("0.9400")  # [92.00 %, 94.00 %) in 0.01 % steps
OPTION2_C_LOW, OPTION2_C_HIGH = Decimal("0.300"), Decimal("0.700")  # [30.0 %, 70.0 %) in 0.1 % steps

REJECT_P2 = "P2: above control price"
ABNORMALLY_LOW_RATIO = Decimal("0.5")
OPTION1_Q = (Decimal("0.5"), Decimal("1"))  # Q below / above the benchmark, fixed by the model text for option 1
ALL_REJECTED = "全部投标均因报价超过招标控制价被否决，没有有效投标，不计算评标基准价和价格分，应重新招标。"


class ScoringError(ValueError):
    """Bad scoring input; the message is Chinese and shown to the user (the command exits 2)."""


# ----------------------------------------------------------------------------------------------- rounding
def to_decimal(value: Any, name: str = "数值") -> Decimal:
    """A ``Decimal`` from a string/int/Decimal; floats are refused (binary rounding would leak into money)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ScoringError(f"{name}必须以字符串或整数给出（不接受浮点数）：{value!r}")
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, AttributeError) as exc:
        raise ScoringError(f"{name}不是有效的数字：{value!r}") from exc
    if not result.is_finite():
        raise ScoringError(f"{name}不是有效的数字：{value!r}")
    return result


def round_yuan(x: Decimal) -> Decimal:
    """Whole yuan: 1st decimal half-up, 2nd and further decimals ignored (§4.6)."""
    return x.quantize(Decimal("0.1"), ROUND_DOWN).quantize(Decimal("1"), ROUND_HALF_UP)


def round_score(x: Decimal) -> Decimal:
    """Two decimals: 3rd decimal half-up, 4th and further ignored (§4.6)."""
    return x.quantize(Decimal("0.001"), ROUND_DOWN).quantize(Decimal("0.01"), ROUND_HALF_UP)


def round_pct(x: Decimal) -> Decimal:
    """A percentage (already ×100) to 2 decimals, half-up."""
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


def average(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Arithmetic mean of evaluators' points: (rounded to 2 decimals, unrounded for the audit column)."""
    if not values:
        raise ScoringError("没有评委打分，无法计算平均分。")
    raw = sum(values, ZERO) / Decimal(len(values))
    return round_score(raw), raw


# ------------------------------------------------------------------------------------------- validators
def weights_errors(tech: Decimal, commercial: Decimal, price: Decimal) -> list[str]:
    """Weights 50–60 / 15–30 / 15–30 summing to 100 (MT Ch.3 §3, CK30)."""
    errors = []
    if not Decimal(50) <= tech <= Decimal(60):
        errors.append(f"技术分权重应在50—60分之间，当前为{tech}。")
    if not Decimal(15) <= commercial <= Decimal(30):
        errors.append(f"商务分权重应在15—30分之间，当前为{commercial}。")
    if not Decimal(15) <= price <= Decimal(30):
        errors.append(f"价格分权重应在15—30分之间，当前为{price}。")
    if tech + commercial + price != HUNDRED:
        errors.append(f"技术、商务、价格分权重之和应为100，当前为{tech + commercial + price}。")
    return errors


def min_experts(size: int) -> int:
    """Experts needed in a committee of ``size``: at least two thirds, rounded up."""
    return -(-2 * size // 3)


def committee_errors(size: int, experts: int) -> list[str]:
    """Odd number ≥ 5 with at least two thirds experts (MT 25, CK08)."""
    errors = []
    if size < 5 or size % 2 == 0:
        errors.append(f"评标委员会应为5人以上单数，当前为{size}人。")
    if experts < min_experts(size):
        errors.append(f"评标委员会{size}人中专家应不少于三分之二（{min_experts(size)}人），当前为{experts}人。")
    return errors


def c_errors(method: str, c: Decimal | None) -> list[str]:
    """The drawn C must lie in the domain of the chosen reference option (§4.5, §8)."""
    if method == OPTION1:
        if c is None or c not in OPTION1_C_VALUES:
            return ["参考方式一的C值只能为40%、45%、50%、55%、60%之一。"]
    elif method == OPTION2:
        if c is None or not (OPTION2_C_LOW <= c < OPTION2_C_HIGH) or c != c.quantize(Decimal("0.001")):
            return ["参考方式二的C值应在30.0%—69.9%之间，步长0.1%。"]
    else:
        return [f"未知的价格分计算方式：{method}（应为 option1 或 option2）。"]
    return []


def k_errors(k: Decimal | None) -> list[str]:
    """K in [92.00 %, 94.00 %) in 0.01 % steps (option 1 only)."""
    if k is None or not (K_LOW <= k < K_HIGH) or k != k.quantize(Decimal("0.0001")):
        return ["K值应在92.00%—93.99%之间，步长0.01%。"]
    return []


def q_errors(method: str, q_below: Decimal | None, q_above: Decimal | None, *, blank_ok: bool = False
             ) -> list[str]:
    """Q of the price formula (§4.5, §7 item 4): option 1 fixes 0.5 / 1 (blank means those); option 2 leaves Q blank in
    the model text, so the tender must set both (``blank_ok``: a draft may still fill them in)."""
    errors = []
    if method == OPTION2 and (q_below is None or q_above is None) and not blank_ok:
        errors.append("参考方式二的Q值（低于、高于评标基准价）在示范文本中留空，须由招标文件设定后才能计算价格分。")
    if method == OPTION1 and (q_below, q_above) != (None, None) and (q_below, q_above) != OPTION1_Q:
        errors.append("参考方式一的Q值由示范文本固定：低于评标基准价为0.5，高于评标基准价为1。")
    if (q_below is not None and q_below < 0) or (q_above is not None and q_above < 0):
        errors.append("Q值不能为负数。")
    return errors


def effective_q(method: str, q_below: Decimal | None, q_above: Decimal | None
                ) -> tuple[Decimal | None, Decimal | None]:
    """The Q values that apply: option 1 fills a blank with the model text's 0.5 / 1; option 2 has only the tender's."""
    if method == OPTION1:
        return (q_below if q_below is not None else OPTION1_Q[0], q_above if q_above is not None else OPTION1_Q[1])
    return q_below, q_above


def q_values(method: str, q_below: Decimal | None, q_above: Decimal | None) -> tuple[Decimal, Decimal]:
    """The Q values in force; option 2 without the tender's Q is a ``ScoringError`` (never a silent 0.5 / 1)."""
    if method not in PRICE_OPTIONS:
        raise ScoringError(f"未知的价格分计算方式：{method}（应为 option1 或 option2）。")
    below, above = effective_q(method, q_below, q_above)
    if below is None or above is None:
        raise ScoringError(q_errors(method, q_below, q_above)[0])
    if below < 0 or above < 0:
        raise ScoringError("Q值不能为负数。")
    return below, above


def draw_errors(method: str, c: Decimal | None, k: Decimal | None) -> list[str]:
    errors = c_errors(method, c)
    if method == OPTION1:
        errors += k_errors(k)
    return errors


# ------------------------------------------------------------------------------------------ price score
@dataclass(frozen=True)
class PriceBid:
    bidder: str
    price: Decimal  # evaluated price (报价评标价), after arithmetic correction


@dataclass
class PriceScoreResult:
    benchmark: Decimal | None  # None when every bid is rejected: there is no benchmark
    c_used: Decimal | None
    a_value: Decimal | None
    scores: dict[str, Decimal] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    abnormally_low: list[str] = field(default_factory=list)

    @property
    def all_rejected(self) -> bool:
        return self.benchmark is None

    def as_json(self) -> dict[str, Any]:
        """The ``price_scores`` output of interfaces.md; when every bid is rejected, ``benchmark`` is null and
        ``all_rejected``/``note`` say so (added keys, only then)."""
        out: dict[str, Any] = {"benchmark": None if self.benchmark is None else str(self.benchmark),
                               "scores": {k: str(v) for k, v in self.scores.items()},
                               "rejected": dict(self.rejected), "abnormally_low": list(self.abnormally_low)}
        if self.all_rejected:
            out.update(all_rejected=True, note=ALL_REJECTED)
        return out


def abnormally_low(prices: dict[str, Decimal]) -> tuple[Decimal | None, list[str]]:
    """Threshold (50 % of the mean of qualified bids, MT 17.5) and the bidders strictly below it."""
    if not prices:
        return None, []
    mean = sum(prices.values(), ZERO) / Decimal(len(prices))
    threshold = mean * ABNORMALLY_LOW_RATIO
    return threshold, [bidder for bidder, price in prices.items() if price < threshold]


def benchmark_price(*, method: str, control_price: Decimal, qualified: Sequence[Decimal], c: Decimal,
                    k: Decimal | None = None, range_low: Decimal | None = None,
                    range_high: Decimal | None = None) -> tuple[Decimal, Decimal, Decimal | None]:
    """评标基准价 in whole yuan; returns (benchmark, C actually used, A). Without any qualified bid there is none."""
    if not qualified:
        raise ScoringError("没有有效投标（全部被否决），不计算评标基准价。")
    if method == OPTION1:
        if k is None or range_low is None or range_high is None:
            raise ScoringError("参考方式一需要取值范围和K值。")
        low, high = round_yuan(range_low), round_yuan(range_high)
        inside = [p for p in qualified if low <= p <= high]
        if not inside:  # every qualified bid outside the inclusion range: C = 0 (benchmark = B × K)
            return round_yuan(control_price * k), ZERO, None
        a = sum(inside, ZERO) / Decimal(len(inside))
        return round_yuan(a * c + control_price * k * (1 - c)), c, a
    if method == OPTION2:
        a = sum(qualified, ZERO) / Decimal(len(qualified))
        return round_yuan(a * c + control_price * (1 - c)), c, a
    raise ScoringError(f"未知的价格分计算方式：{method}")


def price_score(price: Decimal, benchmark: Decimal, *, price_max: Decimal, q_below: Decimal,
                q_above: Decimal) -> Decimal:
    """Pmax − |Ai − base| / base × 100 × Q, rounded to 2 decimals, floored at 0 (§4.5, §7 item 3: abs)."""
    deviation_pct = abs(price - benchmark) / benchmark * HUNDRED
    q = q_below if price <= benchmark else q_above
    return max(round_score(price_max - deviation_pct * q), ZERO).quantize(Decimal("0.01"))


def price_scores(*, method: str, control_price: Decimal, bids: Iterable[PriceBid], c: Decimal,
                 k: Decimal | None = None, price_range: tuple[Decimal, Decimal] | None = None,
                 price_max: Decimal, q_below: Decimal | None = None, q_above: Decimal | None = None,
                 validate_draws: bool = True) -> PriceScoreResult:
    """Benchmark and price score of every bid; bids above the control price are rejected (P2) and never scored.
    Option 2 needs the tender's Q values; when every bid is rejected the result has no benchmark (``all_rejected``)."""
    if control_price <= 0:
        raise ScoringError("招标控制价必须大于0。")
    if validate_draws and (errors := draw_errors(method, c, k)):
        raise ScoringError("；".join(errors))
    q_below, q_above = q_values(method, q_below, q_above)
    bids = list(bids)
    seen: set[str] = set()
    for bid in bids:
        if bid.bidder in seen:
            raise ScoringError(f"投标人“{bid.bidder}”重复。")
        seen.add(bid.bidder)
        if bid.price <= 0:
            raise ScoringError(f"投标人“{bid.bidder}”的报价必须大于0。")
    rejected = {b.bidder: REJECT_P2 for b in bids if b.price > control_price}
    qualified = {b.bidder: b.price for b in bids if b.bidder not in rejected}
    low = high = None
    if method == OPTION1:
        if price_range is None:
            raise ScoringError("参考方式一需要基准价取值范围（range）。")
        low, high = price_range
        if low > high:
            raise ScoringError("取值范围下限不能高于上限。")
    if not qualified:  # every bid above the control price: no benchmark, no score (the lot fails)
        return PriceScoreResult(benchmark=None, c_used=None, a_value=None, rejected=rejected)
    benchmark, c_used, a_value = benchmark_price(method=method, control_price=control_price,
                                                 qualified=list(qualified.values()), c=c, k=k,
                                                 range_low=low, range_high=high)
    result = PriceScoreResult(benchmark=benchmark, c_used=c_used, a_value=a_value, rejected=rejected)
    for bidder, price in qualified.items():
        result.scores[bidder] = price_score(price, benchmark, price_max=price_max, q_below=q_below,
                                            q_above=q_above)
    _threshold, result.abnormally_low = abnormally_low(qualified)
    return result


def price_scores_from_json(data: dict[str, Any]) -> PriceScoreResult:
    """Parse the interfaces.md input document and score it (every number as a string)."""
    if not isinstance(data, dict):
        raise ScoringError("输入必须是JSON对象。")
    method = data.get("method")
    if method not in PRICE_OPTIONS:
        raise ScoringError("method 必须为 option1 或 option2。")
    for key in ("control_price", "C", "price_max", "bids"):
        if key not in data:
            raise ScoringError(f"缺少字段：{key}")
    q_below = to_decimal(data["q_below"], "q_below") if data.get("q_below") not in (None, "") else None
    q_above = to_decimal(data["q_above"], "q_above") if data.get("q_above") not in (None, "") else None
    price_range = None
    k = None
    if method == OPTION1:
        rng = data.get("range")
        if not isinstance(rng, list) or len(rng) != 2:
            raise ScoringError("range 必须是 [下限, 上限] 两个数。")
        price_range = (to_decimal(rng[0], "range"), to_decimal(rng[1], "range"))
        if "K" not in data:
            raise ScoringError("缺少字段：K")
        k = to_decimal(data["K"], "K")
    bids_in = data["bids"]
    if not isinstance(bids_in, list) or not bids_in:
        raise ScoringError("bids 必须是非空数组。")
    bids = []
    for i, item in enumerate(bids_in, start=1):
        if not isinstance(item, dict) or "bidder" not in item or "price" not in item:
            raise ScoringError(f"第{i}个投标缺少 bidder 或 price。")
        bids.append(PriceBid(str(item["bidder"]), to_decimal(item["price"], f"第{i}个投标的 price")))
    return price_scores(method=method, control_price=to_decimal(data["control_price"], "control_price"),
                        bids=bids, c=to_decimal(data["C"], "C"), k=k, price_range=price_range,
                        price_max=to_decimal(data["price_max"], "price_max"), q_below=q_below, q_above=q_above)


# ---------------------------------------------------------------------------------------------- ranking
@dataclass(frozen=True)
class RankEntry:
    key: Any
    total: Decimal
    price: Decimal = ZERO
    tech: Decimal = ZERO
    commercial: Decimal = ZERO
    draw: int | None = None  # position from the recorded random draw (1 = first); None = not drawn


@dataclass
class Ranking:
    order: list[Any]
    unresolved_ties: list[list[Any]]  # groups still tied after the chain and without a recorded draw


def rank_comprehensive(entries: Sequence[RankEntry]) -> Ranking:
    """Total desc; ties: price → technical → commercial → recorded draw (§4.5, §7 item 2)."""
    def chain(e: RankEntry) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (-e.total, -e.price, -e.tech, -e.commercial)
    return _rank(entries, chain)


def rank_lowest_price(entries: Sequence[RankEntry]) -> Ranking:
    """Lowest price after deduction first; ties go to the recorded draw (§4.9). ``total`` holds that price."""
    return _rank(entries, lambda e: (e.total,))


def _rank(entries: Sequence[RankEntry], chain: Any) -> Ranking:
    groups: dict[Any, list[RankEntry]] = {}
    for entry in entries:
        groups.setdefault(chain(entry), []).append(entry)
    order: list[Any] = []
    unresolved: list[list[Any]] = []
    for key in sorted(groups):
        tied = groups[key]
        if len(tied) > 1 and any(e.draw is None for e in tied):
            unresolved.append([e.key for e in tied])
        tied.sort(key=lambda e: (e.draw is None, e.draw or 0))
        order.extend(e.key for e in tied)
    return Ranking(order=order, unresolved_ties=unresolved)


# ---------------------------------------------------------------------------------- lowest-price method
SMALL_MICRO_RATE = Decimal("0.06")
ECO_BANDS = ((Decimal("10.00"), Decimal("0.03")), (Decimal("30.00"), Decimal("0.06")),
             (Decimal("50.00"), Decimal("0.08")))
ECO_TOP_RATE = Decimal("0.10")


def eco_rate(share_pct: Decimal) -> Decimal:
    """Deduction rate for energy-saving/eco-label items by their share of the bid (≤10/30/50 %, above)."""
    share = round_pct(share_pct)
    for limit, rate in ECO_BANDS:
        if share <= limit:
            return rate
    return ECO_TOP_RATE


@dataclass(frozen=True)
class DeductionLine:
    amount: Decimal
    is_small_micro_goods: bool = False
    is_energy_eco: bool = False
    is_mandatory_energy: bool = False  # 强制节能产品: no deduction
    is_component_only: bool = False  # only a part/module of the offered product: no deduction


@dataclass
class Deduction:
    small_micro: Decimal
    eco_share_pct: Decimal
    eco_rate: Decimal
    eco: Decimal

    @property
    def total(self) -> Decimal:
        return self.small_micro + self.eco


def price_deduction(total_price: Decimal, lines: Iterable[DeductionLine]) -> Deduction:
    """SME 6 % on small/micro goods plus the eco deduction by share (§4.9; stacking: ADR 0402)."""
    lines = list(lines)
    sme_base = sum((ln.amount for ln in lines if ln.is_small_micro_goods), ZERO)
    eco_base = sum((ln.amount for ln in lines
                    if ln.is_energy_eco and not ln.is_mandatory_energy and not ln.is_component_only), ZERO)
    share = round_pct(eco_base / total_price * HUNDRED) if total_price and eco_base else ZERO
    rate = eco_rate(share) if eco_base else ZERO
    return Deduction(small_micro=(sme_base * SMALL_MICRO_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP),
                     eco_share_pct=share, eco_rate=rate,
                     eco=(eco_base * rate).quantize(Decimal("0.01"), ROUND_HALF_UP))


# ------------------------------------------------------------------------------- arithmetic correction
@dataclass(frozen=True)
class QuoteLine:
    item_no: str
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal


@dataclass
class Correction:
    evaluated_price: Decimal
    lines: list[QuoteLine]
    notes: list[str]


def _power_of_ten(ratio: Decimal) -> bool:
    if ratio <= 0:
        return False
    for exp in range(-6, 7):
        if ratio == Decimal(10) ** exp and exp != 0:
            return True
    return False


def arithmetic_correction(*, letter_figures: Decimal | None, letter_words: Decimal | None,
                          summary_total: Decimal | None, lines: Sequence[QuoteLine] = ()) -> Correction:
    """报价评标价 by MT 17.3: words over figures; the 总价报价表 over other parts; unit prices over line totals,
    except an obvious decimal-point slip in a unit price, where the line total prevails."""
    notes: list[str] = []
    letter = letter_figures
    if letter_words is not None and letter_figures is not None and letter_words != letter_figures:
        notes.append(f"投标函大写金额{letter_words}与小写金额{letter_figures}不一致，以大写金额为准。")
        letter = letter_words
    elif letter_words is not None:
        letter = letter_words
    total = summary_total if summary_total is not None else letter
    if summary_total is not None and letter is not None and summary_total != letter:
        notes.append(f"投标函金额{letter}与总价报价表{summary_total}不一致，以总价报价表为准。")
    fixed: list[QuoteLine] = []
    for line in lines:
        computed = (line.unit_price * line.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if computed == line.amount:
            fixed.append(line)
        elif line.quantity and _power_of_ten(computed / line.amount if line.amount else ZERO):
            unit = (line.amount / line.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
            notes.append(f"第{line.item_no}项单价{line.unit_price}小数点明显错位，以合价为准修正为{unit}。")
            fixed.append(QuoteLine(line.item_no, unit, line.quantity, line.amount))
        else:
            notes.append(f"第{line.item_no}项单价×数量={computed}与合价{line.amount}不一致，以单价为准修正合价。")
            fixed.append(QuoteLine(line.item_no, line.unit_price, line.quantity, computed))
    if fixed:
        line_sum = sum((ln.amount for ln in fixed), ZERO)
        if total is None or line_sum != total:
            if total is not None:
                notes.append(f"分项合计{line_sum}与总价{total}不一致，以单价（分项）为准修正总价。")
            total = line_sum
    if total is None:
        raise ScoringError("投标报价缺失，无法确定报价评标价。")
    return Correction(evaluated_price=total, lines=fixed, notes=notes)
