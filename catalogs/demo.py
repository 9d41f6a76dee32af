"""Demo data for 政务数据资源目录; called by `seed_demo` after the kernel's demo data (idempotent)."""

from typing import Any


def seed(ctx: dict[str, Any]) -> None:
    """Nothing yet."""
