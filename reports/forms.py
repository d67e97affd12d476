"""Forms of the report settings pages: targets, fee rates, packaging cost, expenses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel
from reports.models import ExpensePeriod, SplitMethod
from storeops import business_day

WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


def _channels():
    return SalesChannel.objects.order_by("position", "code")


class MonthField(forms.DateField):
    """A month written as 2026-03 (an `<input type="month">`); its first day."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class MonthlyTargetForm(forms.Form):
    month = MonthField(label=_("Month"))
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=SalesChannel.objects.none(),
        required=False,
        empty_label=_("Whole store"),
    )
    amount = forms.DecimalField(
        label=_("Paid sales target"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text=_("For a split by hand, leave empty: the month is the sum of its days."),
    )
    split_method = forms.ChoiceField(
        label=_("Split over the days"), choices=SplitMethod.choices, initial=SplitMethod.EVEN
    )
    daily_amounts = forms.CharField(
        label=_("Daily targets (by hand)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "2026-03-01 1000.00"}),
        help_text=_("One day per line: the date, then the amount. Days left out get 0.00."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = _channels()
        for index, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"weight_{index}"] = forms.DecimalField(
                label=label,
                min_value=Decimal(0),
                max_digits=9,
                decimal_places=4,
                initial=Decimal(1),
                required=False,
            )
        if not self.is_bound:
            self.initial.setdefault("month", business_day.today().replace(day=1))

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{index}"] for index in range(len(WEEKDAY_LABELS))]

    def clean_daily_amounts(self) -> dict[dt.date, Decimal]:
        parsed: dict[dt.date, Decimal] = {}
        for number, line in enumerate(self.cleaned_data["daily_amounts"].splitlines(), start=1):
            parts = line.replace(",", " ").replace("\t", " ").split()
            if not parts:
                continue
            try:
                day = dt.date.fromisoformat(parts[0])
                amount = Decimal(parts[1])
                if len(parts) != 2 or not amount.is_finite():
                    raise ValueError
            except (ValueError, IndexError, InvalidOperation):
                raise forms.ValidationError(
                    _("Line %(number)d: write a date and an amount, e.g. 2026-03-01 1000.00.")
                    % {"number": number}
                ) from None
            if day in parsed:
                raise forms.ValidationError(
                    _("Line %(number)d: %(day)s is given twice.") % {"number": number, "day": day}
                )
            parsed[day] = amount
        return parsed

    def weekday_weights(self) -> list[Decimal] | None:
        if self.cleaned_data.get("split_method") != SplitMethod.WEEKDAY:
            return None
        return [
            self.cleaned_data.get(f"weight_{index}") or Decimal(0)
            for index in range(len(WEEKDAY_LABELS))
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("split_method")
        if method in (SplitMethod.EVEN, SplitMethod.WEEKDAY) and data.get("amount") is None:
            self.add_error("amount", _("Enter the month's target."))
        return data


class FeeRateForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=SalesChannel.objects.none())
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    commission_percent = forms.DecimalField(
        label=_("Commission (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=7,
        decimal_places=4,
    )
    payment_fee_percent = forms.DecimalField(
        label=_("Payment fee (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=7,
        decimal_places=4,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = _channels()


class PackagingCostForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=_("Cost per shipment"), min_value=Decimal(0), max_digits=14, decimal_places=2
    )


class OperatingExpenseForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=ExpensePeriod.choices)
    date = forms.DateField(
        label=_("Day (or any day of the month)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    label = forms.CharField(label=_("Description"), max_length=100)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal(0), max_digits=14, decimal_places=2
    )
