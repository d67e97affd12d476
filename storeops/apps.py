from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreopsConfig(AppConfig):
    name = "storeops"
    verbose_name = _("StoreOps")
