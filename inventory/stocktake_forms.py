"""Forms of the stocktake pages: open a count, enter counts, post with a reason."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from inventory.models import StocktakeLine, Warehouse


class OpenStocktakeForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True)
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.order_by("name"),
        empty_label=_("All categories"),
    )
    sku_prefix = forms.CharField(
        label=_("SKU code prefix"),
        required=False,
        max_length=64,
        help_text=_("Only SKUs whose code starts with this; blank for all."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CountForm(forms.Form):
    """One whole-number input per line; a blank input leaves the line as it is."""

    def __init__(self, *args: Any, lines: Sequence[StocktakeLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"count_{line.pk}"] = forms.IntegerField(
                label=line.variant.sku_code,
                required=False,
                min_value=0,
                initial=line.counted,
                widget=forms.NumberInput(attrs={"min": 0, "step": 1, "class": "count-input"}),
            )

    def rows(self) -> Iterator[tuple[StocktakeLine, forms.BoundField]]:
        for line in self.lines:
            yield line, self[f"count_{line.pk}"]

    def counts(self) -> dict[str, int]:
        return {
            line.variant.sku_code: self.cleaned_data[f"count_{line.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"count_{line.pk}") is not None
        }


class PostStocktakeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=150)
