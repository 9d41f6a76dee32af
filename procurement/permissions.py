"""Permission rules for 政务信息化项目与采购: can_<action>(user, obj) -> Decision, policies, role model permissions."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}
