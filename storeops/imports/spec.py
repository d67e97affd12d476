"""What an import kind declares: its columns, its natural key and how it writes.

An import kind (suppliers, products, orders, ad spend, ...) is a subclass of
`ImportKind` registered with `@register`. The framework reads the file, maps
headers through each column's aliases (English and Chinese), parses every
cell, asks the kind to `clean` the row, checks the natural key is not repeated
inside the file, and only when no row is wrong hands the rows to `write`
inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from storeops.imports.parsers import CellError, Parser
from storeops.roles import Capability


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    `name` is the key the kind sees; `label` is shown to users and written in
    templates; `aliases` are the other headers accepted (case and surrounding
    spaces ignored), typically the Chinese header a marketplace export uses.
    """

    name: str
    label: str | Promise
    parser: Parser
    aliases: tuple[str, ...] = ()
    required: bool = False
    default: Any = None
    help_text: str | Promise = ""

    def headers(self) -> set[str]:
        return {normalise_header(h) for h in (self.name, str(self.label), *self.aliases)}

    def parse(self, raw: str | None) -> Any:
        text = (raw or "").strip()
        if not text:
            if self.required:
                raise CellError(_("A value is required."))
            return self.default
        return self.parser(text)


def normalise_header(header: str) -> str:
    return " ".join(str(header).replace("\ufeff", "").replace("*", "").split()).casefold()


class RowError(Exception):
    """A row is wrong as a whole or in one column (`column` is a Column.name or None).

    `clean` raises it without `row` (the framework knows the row); `write`
    passes the row number of the ParsedRow it was writing.
    """

    def __init__(self, message: str, column: str | None = None, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.row = row


@dataclass
class ImportContext:
    """Passed to `clean` and `write`: who is importing and state the kind may cache."""

    user: Any
    dry_run: bool = False
    cache: dict[str, Any] = field(default_factory=dict)
    # The file's name (for timelines: "import orders.csv") and the number of the
    # row being cleaned (for kinds whose rules span rows); both set by the runner.
    source_name: str = ""
    row_number: int | None = None


class ImportKind:
    """Base class of every import kind; subclasses set the class attributes."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    columns: ClassVar[tuple[Column, ...]]
    natural_key: ClassVar[tuple[str, ...]]
    capability: ClassVar[Capability] = Capability.IMPORT_DATA
    batch_size: ClassVar[int] = 500

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        """Check one parsed row against rules spanning columns; raise RowError if wrong."""
        return row

    def check_file(self, context: ImportContext) -> list[RowError]:
        """After every row was cleaned: problems that span rows (each RowError names its row).

        Called once, between checking and writing; the default finds none.
        """
        return []

    def write(self, rows: list[dict[str, Any]], context: ImportContext) -> list[Outcome]:
        """Upsert a batch of clean rows on the natural key; one Outcome per row.

        A kind whose records span rows (an order's lines) may hold rows back
        until a later batch completes them, as long as every row of the file
        has had its Outcome once the last batch is written.
        """
        raise NotImplementedError

    # Helpers for the framework and the templates.

    @classmethod
    def column(cls, name: str) -> Column:
        for column in cls.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @classmethod
    def key_of(cls, row: dict[str, Any]) -> tuple:
        return tuple([row.get(name) for name in cls.natural_key])

    @classmethod
    def template_headers(cls) -> list[str]:
        return [column.name for column in cls.columns]
