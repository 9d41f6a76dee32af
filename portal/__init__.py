"""Shared kernel of the governance portal: settings, organizations, roles, permissions, audit, calendar, xlsx, API base."""
