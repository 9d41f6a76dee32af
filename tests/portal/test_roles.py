from django.contrib.auth.models import Group

from portal.roles import Role, collected_permissions


def test_groups_hold_every_apps_permissions_after_migrate(db):
    """The test database was built by migrate: post_migrate must have filled the groups with all apps' permissions."""
    for role, perms in collected_permissions().items():
        group = Group.objects.get(name=Role(role).label)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert have == perms, role
