from django.db import models
from django.utils.translation import gettext_lazy as _

from storeops.roles import Capability


class Access(models.Model):
    """Holds StoreOps' capability permissions; it has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [(capability.value, capability.label) for capability in Capability]
        verbose_name = _("access")
