"""The knowledge-base entry: the one record every importer produces and every index consumes."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class KBEntry(BaseModel):
    """One FAQ entry of the consultation knowledge base.

    ``question`` is the standard question; ``similar_questions`` are the ways citizens actually ask it.
    ``valid_from`` / ``valid_to`` bound the dates on which the entry may be served (inclusive, either may be open).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64)
    question: str = Field(min_length=1)
    similar_questions: list[str] = Field(default_factory=list)
    answer: str = Field(min_length=1)
    category: str = Field(min_length=1)
    department: str = ""
    region: str = ""
    keywords: list[str] = Field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = ""
    updated_at: datetime | None = None

    @field_validator("similar_questions", "keywords", mode="before")
    @classmethod
    def _split_text_list(cls, value: object) -> object:
        """CSV/XLSX cells carry lists as text separated by '|' or newlines."""
        if value is None:
            return []
        if isinstance(value, str):
            parts = value.replace("\r", "").replace("\n", "|").split("|")
            return [p.strip() for p in parts if p.strip()]
        return value

    @field_validator("similar_questions", "keywords")
    @classmethod
    def _drop_blank(cls, value: list[str]) -> list[str]:
        return [v.strip() for v in value if v and v.strip()]

    @model_validator(mode="after")
    def _check_dates(self) -> "KBEntry":
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("valid_from 晚于 valid_to")
        return self

    def is_valid_on(self, day: date) -> bool:
        """True when the entry may be served on ``day``."""
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        return True

    def all_questions(self) -> list[str]:
        return [self.question, *self.similar_questions]
