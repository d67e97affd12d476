from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class UncountedPagination(StandardPagination):
    """Pages without a total: for lists that grow without bound (orders, cases).

    Counting a million orders on every page costs more than the page itself,
    so a page reads one row more than it shows to know whether a next page
    exists. The answer is ``{"next", "previous", "results"}``.
    """

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        size = self.get_page_size(request)
        if not size:
            return None
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise NotFound(_("Invalid page."))
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        if not rows and number > 1:
            raise NotFound(_("Invalid page."))
        self.request = request
        self.number = number
        self.has_next = len(rows) > size
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        described = super().get_paginated_response_schema(schema)
        described["properties"].pop("count", None)
        described["required"] = ["results"]
        return described
