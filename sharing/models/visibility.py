"""Who sees a sharing record, kept as rows an index serves (docs/adr/0015-scopes-served-by-indexes.md).

One row per (record, unit): “the staff of this unit see this record”, written by the services in the same transaction
as every write that changes it (``sharing.visibility``) and rebuilt set-based by ``manage.py rebuild_visibility``.
Derived data, not a governed record: no history, never shown; the records and their history stay the truth.
"""

from __future__ import annotations

from django.db import models


class ShareApplicationAudience(models.Model):
    """The applicant unit (``is_party``) and, unless the request is a special agency's, the producer units (the source
    units of the entries). ``unit_sees``: the unit's staff see the application (the applicant unit always, a producer
    unit once it is submitted); ``county_sees``: the county authority over the unit sees it (the applicant unit's row
    of a submitted request that is not a special agency's). Submitting is the one way out of a draft, and it rewrites
    the rows (``sharing.visibility.sync_share_application``)."""

    application = models.ForeignKey("sharing.ShareApplication", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+", db_index=False)
    is_party = models.BooleanField(default=False)
    unit_sees = models.BooleanField(default=False)
    county_sees = models.BooleanField(default=False)

    class Meta:
        verbose_name = "共享申请可见单位"
        verbose_name_plural = "共享申请可见单位"
        constraints = [models.UniqueConstraint(fields=["unit", "application", "is_party"],
                                               name="share_audience_unit_app")]
        indexes = [
            models.Index(fields=["unit", "application"], condition=models.Q(unit_sees=True),
                         name="share_audience_unit_sees"),
            models.Index(fields=["unit", "application"], condition=models.Q(county_sees=True),
                         name="share_audience_county_sees"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.unit_id}"


class AuthorizationAudience(models.Model):
    """The consumer unit (``is_party``) and, unless the grant is a special agency's, the producer units. Every row
    is visible to the unit's staff; ``county_sees``: the consumer unit's row of a grant that is not special."""

    authorization = models.ForeignKey("sharing.Authorization", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+", db_index=False)
    is_party = models.BooleanField(default=False)
    county_sees = models.BooleanField(default=False)

    class Meta:
        verbose_name = "共享授权可见单位"
        verbose_name_plural = "共享授权可见单位"
        constraints = [models.UniqueConstraint(fields=["unit", "authorization", "is_party"],
                                               name="auth_audience_unit_auth")]

    def __str__(self) -> str:
        return f"{self.authorization_id} → {self.unit_id}"


class OpenDataApplicationAudience(models.Model):
    """The provider units (source units of the requested entries); drafts are excluded by the scope, not here."""

    application = models.ForeignKey("sharing.OpenDataApplication", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = "授权开放申请可见单位"
        verbose_name_plural = "授权开放申请可见单位"
        constraints = [models.UniqueConstraint(fields=["unit", "application"], name="open_audience_unit_app")]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.unit_id}"
