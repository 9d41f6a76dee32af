"""REST API base: token auth, pagination, permission class, error format, kernel endpoints."""
