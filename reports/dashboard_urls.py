"""The operations dashboard at the top level: `/dashboard/`, named "dashboard"."""

from django.urls import path

from reports import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]
