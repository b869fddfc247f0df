"""A PostgreSQL snapshot (``pg_current_snapshot()``): which transactions had ended when taken."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """``xmin:xmax:xip``: every transaction below ``xmin`` had ended, none from ``xmax`` on had.

    Between the two, those in ``running`` had not ended; the others had.
    """

    xmin: int
    xmax: int
    running: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        xmin, xmax, running = text.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in running.split(",") if x))

    def sees(self, xid: int) -> bool:
        """Whether the transaction ``xid`` had ended (so its rows, if it committed, are visible)."""
        return xid < self.xmin or (xid < self.xmax and xid not in self.running)
