"""Permission rules for 政务数据资源目录: can_<action>(user, obj) -> Decision, policies, role model permissions."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}
