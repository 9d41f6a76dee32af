"""Fault injection for the crash drills (docs/deployment.md § 故障与恢复, docs/adr/0012-fault-injection.md).

The bulk loops of the scheduled jobs call ``checkpoint("<app>.<loop>")`` once per item. Nothing happens unless the
process was started with ``PORTAL_FAULT_AFTER=<n>`` *and* ``PORTAL_DEBUG`` or ``PORTAL_TESTING`` (a stray variable on
a production worker never kills it): then the n-th checkpoint the process passes — counting only the checkpoints
named ``PORTAL_FAULT_POINT`` when that is set — sends SIGKILL to the process itself, as a worker killed by the OOM
killer or ``kill -9`` would die: no ``finally``, no rollback in Python, the open transaction is abandoned to the
database. The settings are read once at import, so an unset hook costs one comparison per item.
"""

from __future__ import annotations

import os
import signal


def _after() -> int:
    if not any(os.environ.get(flag, "").lower() in {"1", "true", "yes", "on"} for flag in ("PORTAL_DEBUG",
                                                                                            "PORTAL_TESTING")):
        return 0
    try:
        return max(int(os.environ.get("PORTAL_FAULT_AFTER", "") or 0), 0)
    except ValueError:
        return 0


_AFTER = _after()
_POINT = os.environ.get("PORTAL_FAULT_POINT", "")
_passed = 0


def checkpoint(point: str) -> None:
    """One item of a bulk job done (or, at a named point, one risky step passed); may end the process (see above)."""
    global _passed
    if not _AFTER or (_POINT and point != _POINT):
        return
    _passed += 1
    if _passed >= _AFTER:
        os.kill(os.getpid(), signal.SIGKILL)
