"""A data source that maps a real export onto pmrules' columns: which file, sheet, header row, names, formats.

`data.employees` and `data.actuals` are either a path (version 1) or a `DataSource`. Every format is
declared, never guessed: a value that does not parse under the declaration is an error.
"""

from __future__ import annotations

import codecs
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATE_DIRECTIVES = ("%Y", "%y", "%m", "%b", "%B", "%d", "%j")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Formats(_Model):
    """How the export writes numbers and dates, and how its text is encoded (CSV only: encoding, delimiter)."""

    date: str = Field(default="%Y-%m-%d", description="a strptime format, e.g. %m/%d/%Y or %d.%m.%Y")
    decimal: Literal[".", ","] = "."
    thousands: Literal["", ",", ".", " ", "'"] = Field(
        default="", description="the digit-group separator; \" \" also accepts no-break spaces; \"\" means none")
    delimiter: Literal[",", ";", "\t", "|"] = ","
    encoding: str = Field(default="utf-8", description="utf-8 (BOM or not), utf-16, or a legacy one: windows-1252...")

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        has = [d for d in DATE_DIRECTIVES if d in value]
        if not ({"%Y", "%y"} & set(has) and {"%m", "%b", "%B"} & set(has) and "%d" in has) and "%j" not in has:
            raise ValueError("formats.date needs a year, a month and a day, like \"%m/%d/%Y\" or \"%d.%m.%Y\"")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}: use utf-8, utf-16 or e.g. windows-1252") from None
        if not info._is_text_encoding:  # rot13, base64...: not a way text files are written
            raise ValueError(f"{value!r} is not a text encoding")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> Formats:
        if self.decimal == self.thousands:
            raise ValueError(f"formats.decimal and formats.thousands are both {self.decimal!r}")
        return self


class DataSource(_Model):
    """An export read as it comes: its columns named by `columns`, codes translated by `values`."""

    file: Annotated[str, Field(min_length=1)]
    sheet: str | None = Field(default=None, description="XLSX only; default the first sheet")
    header_row: Annotated[int, Field(ge=1, le=1000)] = Field(default=1, description="rows above it are skipped")
    columns: dict[str, Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict, description="pmrules column -> the export's header; unmapped ones keep their own name")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="pmrules column -> {export value: pmrules value}, e.g. centre codes")
    formats: Formats = Field(default_factory=Formats)
    extra_columns: Literal["ignore", "error"] = Field(
        default="ignore", description="columns the mapping does not use: listed once and ignored, or an error")
