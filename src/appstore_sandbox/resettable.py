"""What a part of the sandbox offers a reset: going back to its first-start state."""

from __future__ import annotations

from typing import Protocol


class Resettable(Protocol):
    def reset(self) -> object:
        """Back to how a first start leaves it, for every process where the state is shared
        (what it returns is not used)."""
        ...
