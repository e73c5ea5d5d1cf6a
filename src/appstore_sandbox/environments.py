"""Apple's two environments, as URL prefixes (``/sandbox``) and as payload values (``Sandbox``)."""

from __future__ import annotations

from enum import StrEnum


class Environment(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"

    @property
    def payload_value(self) -> str:
        """The spelling Apple uses inside signed payloads."""
        return self.value.capitalize()
