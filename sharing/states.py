"""The states of the sharing machines (Chinese labels) and who acts in a step; imported by the models, the permissions
and ``sharing.workflow`` (which declares the machines over them)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone


class Actor(models.TextChoices):
    """Who acts in a step (a role *relative to the application*, checked in ``sharing.permissions``)."""

    APPLICANT = "applicant", "申请单位"
    TECH = "tech", "技术服务单位"
    CITY_AUTHORITY = "city_authority", "市数据管理机构"
    COUNTY_AUTHORITY = "county_authority", "县级数据管理机构"
    PRODUCER = "producer", "数据生产单位"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    COUNTY_REVIEW = "county_review", "县级数据管理机构审核中"
    COUNTY_FORWARDING = "county_forwarding", "待县级数据管理机构统一向市级申请"
    COORDINATING = "coordinating", "数据管理机构协调处理中"
    ASSESSING = "assessing", "技术服务单位需求评估中"
    JOINT_REVIEW = "joint_review", "数据管理机构会同生产单位会商中"
    NEGOTIATING = "negotiating", "协商调整中"
    CONFIRMING = "confirming", "待数据管理机构确认"
    GRANTING = "granting", "待开放接口并授权"
    MODEL_BUILDING = "model_building", "交叉核验模型制作中"
    AGREEMENT_SIGNING = "agreement_signing", "待签署数据使用协议"
    PUSH_CONFIGURING = "push_configuring", "推送任务配置中"
    GRANTED = "granted", "已授权（服务已开通）"
    REJECTED = "rejected", "审核不通过"
    STOPPED = "stopped", "已停止授权"
    CLOSED_FOR_RESUBMISSION = "closed_for_resubmission", "已关闭（协商后重新申请）"
    WITHDRAWN = "withdrawn", "已撤回"


FINAL_STATES = frozenset({Status.GRANTED, Status.REJECTED, Status.STOPPED, Status.CLOSED_FOR_RESUBMISSION,
                          Status.WITHDRAWN})
OPEN_STATES = frozenset(Status) - FINAL_STATES - {Status.DRAFT}


class OpenStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    VERIFYING = "verifying", "待数据管理机构核验申请资格"
    ASSESSING = "assessing", "技术服务单位需求评估中"
    CONFIRMING = "confirming", "待数据管理机构确认"
    NEGOTIATING = "negotiating", "协商调整中"
    CONSENTING = "consenting", "待数据提供单位同意"
    AGREEMENT_SIGNING = "agreement_signing", "待签署数据使用和安全保障协议"
    GRANTED = "granted", "已授权"
    INELIGIBLE = "ineligible", "申请资格核验未通过"
    PROVIDER_REFUSED = "provider_refused", "数据提供单位不同意开放"
    STOPPED = "stopped", "已停止授权"
    CLOSED_FOR_RESUBMISSION = "closed_for_resubmission", "已关闭（协商后重新申请）"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_FINAL_STATES = frozenset({OpenStatus.GRANTED, OpenStatus.STOPPED, OpenStatus.CLOSED_FOR_RESUBMISSION,
                               OpenStatus.WITHDRAWN, OpenStatus.INELIGIBLE, OpenStatus.PROVIDER_REFUSED})


class EligibilityStatus(models.TextChoices):
    """The staff verification of an open-data applicant's eligibility (QZ §六(四)); self-declaration is not enough."""

    UNVERIFIED = "unverified", "未核验（核验前不具备授权资格）"
    VERIFIED = "verified", "已核验：符合申请资格"
    REFUSED = "refused", "已核验：不符合申请资格"
OPEN_ACTIVE_STATES = frozenset(OpenStatus) - OPEN_FINAL_STATES - {OpenStatus.DRAFT}


class AuthorizationStatus(models.TextChoices):
    """States of a share authorization and of an open-data grant."""

    ACTIVE = "active", "有效"
    SUSPENDED = "suspended", "已暂停"
    REVOKED = "revoked", "已终止"
    EXPIRED = "expired", "已到期"
    SUPERSEDED = "superseded", "已被续期授权替代"


class MisuseKind(models.TextChoices):
    ILLEGAL_USE = "illegal_use", "违法违规使用"
    OVER_SCOPE = "over_scope", "超范围使用"
    SECURITY_RISK = "security_risk", "使用存在安全风险"
    OTHER = "other", "其他（须说明）"


def today() -> date:
    """The current local date (Asia/Shanghai); the single clock of the sharing workflows."""
    return timezone.localdate()
