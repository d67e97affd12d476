"""The dashboard's filter form, written out by the page itself, and its one read of the channels."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertHTMLEqual

from customers.models import SalesChannel

pytestmark = pytest.mark.django_db
URL = "/dashboard/"


def filter_form_of(response) -> str:
    """What the filter form holds before its button."""
    page = response.content.decode()
    found = re.search(r'class="filters dashboard-filters"[^>]*>(.*?)<button', page, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"period": "custom", "date_from": "2026-02-01", "date_to": "2026-03-02", "trend": "90"},
        {"period": "week", "date": "2026-03-10", "channel": "tmall"},
        {"period": "custom", "date_from": "2026-03-10", "date_to": "2026-03-01"},
        {"period": "soon", "date": "not-a-date", "channel": "nowhere", "trend": "7"},
        {"period": "", "date": "", "date_from": "", "channel": ""},
    ],
    ids=["no-query", "custom-range", "channel", "range-backwards", "all-wrong", "all-empty"],
)
def test_the_filter_form_shows_what_djangos_widgets_would(client, manager, query):
    client.force_login(manager)

    response = client.get(URL, query)

    form = response.context["form"]
    assertHTMLEqual(filter_form_of(response), form.as_div())


def test_the_chosen_channel_is_selected_and_its_name_shown(client, manager):
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10", "channel": "jd"})

    page = response.content.decode()
    assert response.context["channel"] == SalesChannel.objects.get(code="jd")
    assert '<option value="jd" selected>JD.com</option>' in page
    assert '<option value="" selected>' not in page


def test_an_unknown_channel_is_refused_and_the_store_shown(client, manager):
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10", "channel": "nowhere"})

    assert response.context["channel"] is None
    assert response.context["form"].errors["channel"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert 'aria-describedby="id_channel_error"' in response.content.decode()


def test_the_page_reads_the_sales_channels_once(client, manager):
    client.force_login(manager)

    with CaptureQueriesContext(connection) as captured:
        client.get(URL, {"period": "day", "date": "2026-03-10", "channel": "tmall"})

    channel_reads = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "customers_saleschannel"' in query["sql"]
    ]
    assert len(channel_reads) == 1
