from django.urls import path

from customers import views

app_name = "customers"
urlpatterns = [
    path("service/", views.service_team, name="service-team"),
]
