"""Demo data for 数据共享与开放; called by `seed_demo` after the kernel's demo data (idempotent)."""

from typing import Any


def seed(ctx: dict[str, Any]) -> None:
    """Nothing yet."""
