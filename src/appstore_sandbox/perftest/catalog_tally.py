"""How many replies of a run broke the app's catalog rules, with the first few as examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXAMPLES = 5


@dataclass
class CatalogTally:
    """Not thread-safe on its own: ``RunStats`` calls it under its lock."""

    mode: str = "warn"
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def record(self, sequence: int, request_identifier: str, problem: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(
                {"sequence": sequence, "requestIdentifier": request_identifier, "problem": problem}
            )

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "count": self.count, "examples": list(self.examples)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CatalogTally:
        if not data:
            return cls()
        return cls(data.get("mode", "warn"), int(data["count"]), list(data.get("examples", [])))
