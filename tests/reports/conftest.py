"""Fixtures of the daily-summary tests: the order fixtures, and a few days of trade."""

from tests.orders.conftest import (  # noqa: F401 (fixtures)
    cap,
    review_off_for_duplicates,
    tee,
    warehouse,
)
from tests.reports.summary_fixtures import trade  # noqa: F401 (a fixture)
