"""Permission rules for 数据共享与开放: can_<action>(user, obj) -> Decision, policies, role model permissions."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}
