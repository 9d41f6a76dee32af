"""Permission rules for 惠企政策奖补: can_<action>(user, obj) -> Decision, policies, role model permissions."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}
