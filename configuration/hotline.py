"""The hotline's own city: ``intake`` (taking complaints and requests) and ``emergency`` (the crisis protocol)."""

from __future__ import annotations

from pathlib import Path

from .base import Section
from .paths import ProjectPath


class IntakeSettings(Section):
    """Taking complaints, help requests and suggestions."""

    default_city: str | None = None  # the hotline's own city, e.g. "北京市": fills addresses that name no city


class EmergencySettings(Section):
    """The emergency and crisis protocol (docs/decisions.md): the city's numbers and where events are recorded."""

    police: str = "110"
    fire: str = "119"
    ambulance: str = "120"
    traffic: str = "122"
    gas: str = ""          # the city's gas emergency line (燃气抢修), e.g. "96777"; empty = "当地燃气抢修电话" and 119
    crisis: str = "12356"  # psychological assistance hotline (心理援助热线)
    events_db: ProjectPath = Path("var/events.sqlite3")  # every emergency recognised, for supervisors

    def numbers(self) -> dict[str, str]:
        """Service key → number, without the unset ones."""
        table = {"police": self.police, "fire": self.fire, "ambulance": self.ambulance, "traffic": self.traffic,
                 "gas": self.gas, "crisis": self.crisis}
        return {key: value for key, value in table.items() if value}
