"""API permission checks that read the caller's permissions in one statement.

The reading itself is :mod:`storeops.access` (pages use it too): the caches
``ModelBackend`` keeps on the user object are filled with one statement, and
``has_perm`` and friends then answer from them exactly as before.
"""

from __future__ import annotations

from typing import Any

from storeops.access import load_access
from storeops.roles import CapabilityPermission


class PreloadedCapabilityPermission(CapabilityPermission):
    """:class:`CapabilityPermission`, with the caller's permissions read in one statement."""

    def has_permission(self, request: Any, view: Any) -> bool:
        load_access(request.user)
        return super().has_permission(request, view)
