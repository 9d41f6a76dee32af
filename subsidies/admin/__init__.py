"""Admin (the staff UI) of 惠企政策奖补: configuration (documents, rules, dated parameters, calls, pools) and the
application workflow (actions call the services; nothing is edited around them)."""

from subsidies.admin import applications, config, manual, matching  # noqa: F401 - registers the ModelAdmins
