"""数据共享与开放: share applications, authorizations, usage records, open-data applications, webhooks."""

from sharing.models.applications import (
    SHARE_TYPE_RANK,
    USABLE_NOT_VISIBLE_KINDS,
    InterfaceKind,
    ProducerOpinion,
    RequestKind,
    Route,
    ServiceMode,
    ShareApplication,
    ShareType,
    SourceLocation,
    WorkflowStep,
)
from sharing.models.authorizations import (
    AcquisitionMethod,
    Authorization,
    AuthorizationEvent,
    AuthorizationStatus,
    DataUseRecord,
    MediaType,
    MisuseKind,
)
from sharing.models.impacts import CatalogImpact, ImpactChange, ImpactDecision
from sharing.models.open_data import OpenDataAgreement, OpenDataApplication, OpenDataConsent, OpenDataGrant
from sharing.models.visibility import AuthorizationAudience, OpenDataApplicationAudience, ShareApplicationAudience
from sharing.models.webhooks import DEFAULT_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "DEFAULT_EVENTS", "SHARE_TYPE_RANK", "USABLE_NOT_VISIBLE_KINDS",
    "AcquisitionMethod", "Authorization", "AuthorizationAudience", "AuthorizationEvent", "AuthorizationStatus", "CatalogImpact", "DataUseRecord",
    "DeliveryStatus", "ImpactChange", "ImpactDecision", "InterfaceKind", "MediaType", "MisuseKind", "OpenDataAgreement",
    "OpenDataApplication", "OpenDataApplicationAudience", "OpenDataConsent", "OpenDataGrant",
    "ProducerOpinion", "RequestKind", "Route", "ServiceMode", "ShareApplication", "ShareApplicationAudience", "ShareType", "SourceLocation",
    "WebhookDelivery", "WebhookEvent", "WebhookSubscription", "WorkflowStep",
]
