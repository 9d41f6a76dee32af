"""Catalog changes reach the live grants (docs/adr/0205-catalog-changes-reach-grants.md).

When an entry is published with a new share type, open type or fewer data items, or is retired, every live (active or
suspended) share authorization and open-data grant that covers it is checked by rule:

| change | share authorization | open-data grant |
|---|---|---|
| → 暂不共享 (QZ §五(四): only 可用不可见 interfaces) | bulk exchange or a 数据查询 interface: suspended; other modes: flagged | — |
| 无条件 → 有条件 (QZ §五(四): joint review) | flagged for review | — |
| authorized data items retired | all of them: suspended; some: flagged | — |
| → 不予开放 (FJ-OPEN art.14, 33) | — | suspended |
| entry retired | suspended | suspended |

A suspension is the grant's workflow step ``catalog_suspend`` (run by the system: history, audit, event, webhook, notice
to the holder); an already suspended grant is flagged instead (its resumption is refused while the conflict lasts).
Each (grant, change) is kept as a ``CatalogImpact`` row linking the entry version to the grant, shown on both records;
the holder, the producer unit and the data authority are told. Connected to ``catalogs.entry.published`` and
``catalogs.entry.retired`` (``portal.hooks``) in ``SharingConfig.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from catalogs.models import CatalogEntry, EntryStatus, OpenType, ShareType
from catalogs.selectors import authority_users, unit_members
from portal.audit import audit_record
from portal.locks import lock_rows
from portal.services import notify, notify_enterprise
from sharing.models import (
    USABLE_NOT_VISIBLE_KINDS,
    Authorization,
    AuthorizationStatus,
    CatalogImpact,
    ImpactChange,
    ImpactDecision,
    OpenDataGrant,
    ServiceMode,
)
from sharing.workflow import AUTHORIZATION, OPEN_GRANT

S = AuthorizationStatus
LIVE = (S.ACTIVE, S.SUSPENDED)
SHARE_BY_LABEL = {str(label): value for value, label in ShareType.choices}
OPEN_BY_LABEL = {str(label): value for value, label in OpenType.choices}


@dataclass(frozen=True)
class Hit:
    change: str
    suspend: bool
    reason: str


def _is_visible_use(auth: Authorization) -> bool:
    """Bulk exchange and data-query interfaces show the data itself: not allowed for 暂不共享 (可用不可见)."""
    if auth.service_mode == ServiceMode.BULK_EXCHANGE:
        return True
    return auth.service_mode == ServiceMode.API and auth.interface_kind not in USABLE_NOT_VISIBLE_KINDS


def _label(entry: CatalogEntry) -> str:
    return f"目录“{entry.code} {entry.title}”"


# ------------------------------------------------------------------------------------------ the rules
def _share_before(auth: Authorization, entry: CatalogEntry, previous: dict[str, Any] | None) -> str | None:
    """The entry's share type before this change: from the previous published version, or, for an entry published
    before versions were kept, as the authorization recorded it when issued (its frozen scope)."""
    if previous:
        return SHARE_BY_LABEL.get(str(previous.get("share_type", "")))
    for granted in (auth.scope_snapshot or {}).get("entries", []):
        if granted.get("id") == entry.pk and granted.get("share_type"):
            return str(granted["share_type"])
    return str(auth.share_type) or None


def authorization_hits(auth: Authorization, entry: CatalogEntry, *, previous: dict[str, Any] | None,
                       retired: bool = False, retire_reason: str = "") -> list[Hit]:
    """What the change of ``entry`` means for ``auth`` (empty: nothing to do)."""
    hits: list[Hit] = []
    name = _label(entry)
    if retired:
        hits.append(Hit(ImpactChange.ENTRY_RETIRED, True,
                        f"{name}已停用（{retire_reason or '未说明理由'}），授权所依据的目录不再有效。"))
        return hits
    before = _share_before(auth, entry, previous)
    if entry.share_type == ShareType.NOT_SHARED and before != ShareType.NOT_SHARED:
        if _is_visible_use(auth):
            hits.append(Hit(ImpactChange.NOT_SHARED, True,
                            f"{name}第{entry.version}版改为暂不共享：暂不共享数据只能通过比对、核查、统计接口"
                            f"“可用不可见”地使用（泉政办〔2021〕21号 §五(四)），"
                            f"“{auth.get_service_mode_display()}”方式不能继续。"))
        else:
            hits.append(Hit(ImpactChange.NOT_SHARED, False,
                            f"{name}第{entry.version}版改为暂不共享：请复核该授权是否仍符合“可用不可见”要求"
                            f"（泉政办〔2021〕21号 §五(四)）。"))
    if entry.share_type == ShareType.CONDITIONAL and before == ShareType.UNCONDITIONAL:
        hits.append(Hit(ImpactChange.CONDITIONAL, False,
                        f"{name}第{entry.version}版由无条件共享改为有条件共享：须经数据管理机构会同数据生产单位"
                        f"会商同意后共享（泉政办〔2021〕21号 §五(四)），请复核授权范围和条件。"))
    items = [i for i in auth.data_items.all() if i.entry_id == entry.pk]
    published_before = {i.get("name") for i in previous["items"]} if previous and "items" in previous else None
    gone = [i.name for i in items if i.retired_at is not None  # retired in this version (not re-flagged later)
            and (published_before is None or i.name in published_before)]
    if gone:
        every = len(gone) == len(items)
        hits.append(Hit(ImpactChange.ITEMS_RETIRED, every,
                        f"{name}第{entry.version}版停用了授权所涉信息项：{'、'.join(gone)}"
                        + ("（该目录的授权信息项已全部停用）。" if every else "；请复核授权范围。")))
    return hits


def grant_hits(grant: OpenDataGrant, entry: CatalogEntry, *, previous: dict[str, Any] | None,
               retired: bool = False, retire_reason: str = "") -> list[Hit]:
    """What the change of ``entry`` means for the open-data grant ``grant``."""
    name = _label(entry)
    if retired:
        return [Hit(ImpactChange.ENTRY_RETIRED, True,
                    f"{name}已停用（{retire_reason or '未说明理由'}），许可所依据的开放目录不再有效。")]
    # before: the previous published version; without one (published before versions were kept) the grant itself
    # says the entry was 授权开放
    before = OPEN_BY_LABEL.get(str(previous.get("open_type", ""))) if previous else OpenType.AUTHORIZED
    if entry.open_type == OpenType.CLOSED and before != OpenType.CLOSED:
        return [Hit(ImpactChange.OPEN_CLOSED, True,
                    f"{name}第{entry.version}版开放类型改为不予开放：暂停相关数据服务并评估风险"
                    f"（《福建省公共数据资源开放开发管理办法（试行）》第十四条、第三十三条）。")]
    return []


def authorization_catalog_conflict(auth: Authorization) -> str:
    """Why ``auth`` may not serve again under the catalog as it is now ('' when it may): used by resume and renew."""
    for entry in auth.entries.all():
        if entry.status == EntryStatus.RETIRED:
            return f"{_label(entry)}已停用，授权不能恢复或续期；请重新申请。"
        if entry.share_type == ShareType.NOT_SHARED and _is_visible_use(auth):
            return (f"{_label(entry)}现为暂不共享，“{auth.get_service_mode_display()}”方式不能恢复或续期；"
                    f"请改为比对、核查、统计接口重新申请（泉政办〔2021〕21号 §五(四)）。")
    return ""


def open_grant_catalog_conflict(grant: OpenDataGrant) -> str:
    """Why ``grant`` may not be resumed under the catalog as it is now ('' when it may)."""
    for entry in grant.entries.all():
        if entry.status == EntryStatus.RETIRED:
            return f"{_label(entry)}已停用，许可不能恢复；请重新申请。"
        if entry.open_type == OpenType.CLOSED:
            return f"{_label(entry)}现为不予开放，许可不能恢复。"
    return ""


# ------------------------------------------------------------------------------------------ applying them
def _apply(obj: Authorization | OpenDataGrant, hits: list[Hit], *, entry: CatalogEntry, user: Any,
           on: date | None) -> list[CatalogImpact]:
    """Suspend (once, through the workflow) when a rule says so and the grant is active; record every hit."""
    if not hits:
        return []
    is_auth = isinstance(obj, Authorization)
    workflow = AUTHORIZATION if is_auth else OPEN_GRANT
    suspend = obj.status == S.ACTIVE and any(h.suspend for h in hits)
    if suspend:
        workflow.apply("catalog_suspend", obj, user=None, on=on, reason="；".join(h.reason for h in hits))
    auth = obj if isinstance(obj, Authorization) else None
    grant = obj if isinstance(obj, OpenDataGrant) else None
    rows = []
    for h in hits:
        decision = ImpactDecision.SUSPENDED if h.suspend and suspend else ImpactDecision.FLAGGED
        reason = h.reason
        if h.suspend and not suspend:
            reason += "（授权已处于暂停状态；冲突消除前不能恢复。）"
        rows.append(CatalogImpact.objects.create(
            entry=entry, entry_version=entry.version, change=h.change, decision=decision,
            authorization=auth, open_grant=grant,
            reason=reason, changed_by=user if getattr(user, "is_authenticated", False) else None))
    audit_record(actor=user, action="sharing.catalog_impact.record", obj=obj, reason=rows[0].reason,
                 after={"entry": entry.code, "entry_version": entry.version,
                        "changes": [r.get_change_display() for r in rows],
                        "decisions": [r.get_decision_display() for r in rows]})
    return rows


def _notify(entry: CatalogEntry, rows: list[CatalogImpact]) -> None:
    """The holder of each flagged grant (a suspension tells it through the workflow step), then the producer unit and
    the data authority once, with every affected grant (special-agency authorizations named only to the authority)."""
    url = f"/admin/catalogs/catalogentry/{entry.pk}/change/"
    for row in rows:
        if row.decision != ImpactDecision.FLAGGED:
            continue
        title, body = f"目录变更涉及您的授权：{entry.title}", row.reason
        if row.authorization is not None:
            from sharing.services.applications import _unit_admins

            notify(recipients=_unit_admins(row.authorization.consumer_unit_id), title=title,
                   body=f"授权 {row.authorization.number}：{body}",
                   url=f"/admin/sharing/authorization/{row.authorization_id}/change/")
        elif row.open_grant is not None:
            notify_enterprise(enterprise=row.open_grant.enterprise, title=title,
                              body=f"许可 {row.open_grant.number}：{body}",
                              url=f"/open-applications/{row.open_grant.application_id}/")

    def line(row: CatalogImpact) -> str:
        subject = row.authorization or row.open_grant
        return f"{subject.number if subject else '—'}：{row.get_change_display()}，{row.get_decision_display()}"

    title = f"目录变更影响 {len({(r.authorization_id, r.open_grant_id) for r in rows})} 项授权：{entry.title}"
    authority = authority_users(entry.source_unit)
    notify(recipients=authority, title=title, body="；".join(line(r) for r in rows), url=url)
    seen = {u.pk for u in authority}
    producer = [u for u in unit_members(entry.source_unit_id) if u.pk not in seen]
    public = [r for r in rows if not (r.authorization is not None and r.authorization.is_special)]
    if producer and public:
        notify(recipients=producer, title=title, body="；".join(line(r) for r in public), url=url)


def catalog_entry_changed(*, entry: CatalogEntry, user: Any, on: date | None = None,
                          previous: dict[str, Any] | None = None, retired: bool = False,
                          retire_reason: str = "") -> list[CatalogImpact]:
    """Apply the rules to every live grant covering ``entry`` (just published over ``previous``, the snapshot of the
    version before, or just retired); returns the impact rows. Runs inside the entry's publish/retire step."""
    # by primary key, not DISTINCT over the many-to-many join: PostgreSQL refuses FOR UPDATE with DISTINCT
    covering = Authorization.objects.filter(entries=entry, status__in=LIVE).values("pk")
    auths = lock_rows(Authorization.objects.filter(pk__in=covering)
                      .select_related("consumer_unit").prefetch_related("data_items"))
    open_covering = OpenDataGrant.objects.filter(entries=entry, status__in=LIVE).values("pk")
    grants = lock_rows(OpenDataGrant.objects.filter(pk__in=open_covering).select_related("enterprise"))
    rows: list[CatalogImpact] = []
    for auth in auths:
        hits = authorization_hits(auth, entry, previous=previous, retired=retired, retire_reason=retire_reason)
        rows += _apply(auth, hits, entry=entry, user=user, on=on)
    for grant in grants:
        hits = grant_hits(grant, entry, previous=previous, retired=retired, retire_reason=retire_reason)
        rows += _apply(grant, hits, entry=entry, user=user, on=on)
    if rows:
        _notify(entry, rows)
    return rows


def on_entry_published(*, entry: CatalogEntry, previous: dict[str, Any] | None, user: Any, on: date,
                       **_: Any) -> list[CatalogImpact]:
    """Receiver of ``catalogs.entry.published`` (``previous`` is ``None`` for a first publication, or for an entry
    published before versions were kept: the grants' own frozen scope stands in for it)."""
    return catalog_entry_changed(entry=entry, user=user, on=on, previous=previous)


def on_entry_retired(*, entry: CatalogEntry, user: Any, on: date, reason: str = "", **_: Any) -> list[CatalogImpact]:
    """Receiver of ``catalogs.entry.retired``."""
    return catalog_entry_changed(entry=entry, user=user, on=on, retired=True, retire_reason=reason)
