from typing import Any

from django.conf import settings
from django.http import HttpRequest

from storeops import navigation
from storeops.roles import roles_of


def storeops(request: HttpRequest) -> dict[str, Any]:
    """Store name, the user's roles and the navigation their roles may open."""
    user = getattr(request, "user", None)
    return {
        "store_name": settings.STORE_NAME,
        "store_currency": settings.STORE_CURRENCY,
        "user_roles": roles_of(user) if user is not None else [],
        "navigation": navigation.sections_for(request) if user is not None else [],
    }
