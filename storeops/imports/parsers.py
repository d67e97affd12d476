"""Cell parsers: turn the text of one spreadsheet cell into a Python value.

Every parser takes the cell's text (already stripped; never empty: empty cells
are handled by the column) and returns the value or raises `CellError` with a
message a store clerk can act on. Marketplace exports write money with `¥` and
thousands separators and date-times without an offset in the store's own time;
both are accepted here so that nobody has to clean a file by hand first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from storeops import business_day


class CellError(ValueError):
    """One cell could not be read; the message says why."""


Parser = Callable[[str], Any]

_CURRENCY_MARKS = re.compile(r"^[¥￥$]|^(CNY|RMB)\s*|\s*(元|CNY|RMB)$", re.IGNORECASE)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Most cells of an export are plain ("89.00", "2", "2026-03-01 10:00:00") and repeat
# often; they skip the general cleaning, and their values (immutable) are memoised
# up to this many distinct texts per parser.
_MEMO_LIMIT = 4096
_PLAIN_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,6})?")


def text(max_length: int | None = None) -> Parser:
    def parse(raw: str) -> str:
        if max_length is not None and len(raw) > max_length:
            raise CellError(
                _("is %(length)d characters long; at most %(limit)d are allowed")
                % {"length": len(raw), "limit": max_length}
            )
        return raw

    parse.kind = gettext_lazy("text")
    return parse


def _number_text(raw: str) -> str:
    cleaned = _CURRENCY_MARKS.sub("", raw.replace("\u00a0", " ").strip()).strip()
    cleaned = cleaned.replace(" ", "")
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN.match(cleaned):
        raise CellError(_("“%(value)s” is not a number") % {"value": raw})
    return cleaned


def decimal(*, places: int = 2, minimum: Decimal | None = None) -> Parser:
    """An exact decimal; `¥1,299.00`, `1299`, `RMB 12.5` and `12.5元` all read."""

    known: dict[str, Decimal] = {}

    def parse(raw: str) -> Decimal:
        value = known.get(raw)
        if value is not None:
            return value
        value = read(raw)
        if len(known) < _MEMO_LIMIT and _PLAIN_AMOUNT.fullmatch(raw):
            known[raw] = value
        return value

    def read(raw: str) -> Decimal:
        try:
            value = Decimal(_number_text(raw))
        except InvalidOperation as error:  # pragma: no cover - the pattern rules this out
            raise CellError(_("“%(value)s” is not a number") % {"value": raw}) from error
        if value.as_tuple().exponent < -places:
            raise CellError(
                _("“%(value)s” has more than %(places)d decimal places")
                % {"value": raw, "places": places}
            )
        if minimum is not None and value < minimum:
            raise CellError(
                _("%(value)s is below the minimum of %(minimum)s")
                % {"value": raw, "minimum": minimum}
            )
        return value.quantize(Decimal(1).scaleb(-places))

    parse.kind = gettext_lazy("amount")
    return parse


money = decimal


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(raw: str) -> int:
        number = int(raw) if raw.isascii() and raw.isdigit() else read(raw)
        if minimum is not None and number < minimum:
            raise CellError(
                _("%(value)s is below the minimum of %(minimum)s")
                % {"value": raw, "minimum": minimum}
            )
        if maximum is not None and number > maximum:
            raise CellError(
                _("%(value)s is above the maximum of %(maximum)s")
                % {"value": raw, "maximum": maximum}
            )
        return number

    def read(raw: str) -> int:
        cleaned = _number_text(raw)
        try:
            value = Decimal(cleaned)
        except InvalidOperation as error:  # pragma: no cover
            raise CellError(_("“%(value)s” is not a whole number") % {"value": raw}) from error
        if value != value.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number") % {"value": raw})
        return int(value)

    parse.kind = gettext_lazy("whole number")
    return parse


_TRUE = {"1", "true", "yes", "y", "是", "有", "启用", "在售", "on", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "停用", "off", "f"}


def boolean() -> Parser:
    def parse(raw: str) -> bool:
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise CellError(_("“%(value)s” is not yes or no (use yes/no or 是/否)") % {"value": raw})

    parse.kind = gettext_lazy("yes/no")
    return parse


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)


def date() -> Parser:
    """A calendar date; `2026-03-01`, `2026/3/1`, `2026年3月1日` all read.

    A date-time whose time is midnight (as Excel writes dates) also reads.
    """

    def parse(raw: str) -> dt.date:
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is not None and moment.time() == dt.time(0) and moment.tzinfo is None:
            return moment.date()
        raise CellError(_("“%(value)s” is not a date (write it as 2026-03-01)") % {"value": raw})

    parse.kind = gettext_lazy("date")
    return parse


def datetime() -> Parser:
    """A moment in time, returned time-zone aware.

    Without an offset it is read in the store's time zone (as marketplace
    exports write it); with an offset (`2026-03-01T10:00:00+00:00`) as given.
    """

    # Aware moments by text, per store time zone (a test may change the zone).
    known: dict[str, dict[str, dt.datetime]] = {}

    def parse(raw: str) -> dt.datetime:
        zone_known = known.get(settings.STORE_TIMEZONE)
        if zone_known is None:
            zone_known = known[settings.STORE_TIMEZONE] = {}
        moment = zone_known.get(raw)
        if moment is None:
            moment = read(raw)
            if len(zone_known) >= _MEMO_LIMIT:
                zone_known.clear()
            zone_known[raw] = moment
        return moment

    def read(raw: str) -> dt.datetime:
        moment = None
        normalised = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
        try:
            moment = dt.datetime.fromisoformat(normalised)
        except ValueError:
            for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
                try:
                    moment = dt.datetime.strptime(raw, fmt)  # noqa: DTZ007 - made aware below
                    break
                except ValueError:
                    continue
        if moment is None:
            raise CellError(
                _("“%(value)s” is not a date and time (write it as 2026-03-01 14:30:00)")
                % {"value": raw}
            )
        if moment.tzinfo is None:
            return business_day.make_aware_local(moment)
        return moment

    parse.kind = gettext_lazy("date and time")
    return parse


def choice(options: dict[str, Any]) -> Parser:
    """One of a fixed set; `options` maps every accepted spelling (any case) to a value."""
    lowered = {key.lower(): value for key, value in options.items()}

    def parse(raw: str) -> Any:
        try:
            return lowered[raw.lower()]
        except KeyError:
            raise CellError(
                _("“%(value)s” is not one of: %(options)s")
                % {"value": raw, "options": ", ".join(options)}
            ) from None

    parse.kind = gettext_lazy("choice")
    return parse


def email() -> Parser:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    def parse(raw: str) -> str:
        try:
            validate_email(raw)
        except ValidationError:
            raise CellError(_("“%(value)s” is not an email address") % {"value": raw}) from None
        return raw

    parse.kind = gettext_lazy("email")
    return parse
