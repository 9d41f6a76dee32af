"""Demo data for 政务信息化项目与采购; called by `seed_demo` after the kernel's demo data (idempotent)."""

from typing import Any


def seed(ctx: dict[str, Any]) -> None:
    """Nothing yet."""
