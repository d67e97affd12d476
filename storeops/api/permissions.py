"""API permission checks that read the caller's permissions in one statement.

Django's ``ModelBackend`` reads a user's own permissions and their groups'
permissions in two statements, on the first capability check of a request.
An API request checks a capability or two on every call, so the two reads are
done here as one, into the caches ``ModelBackend`` keeps on the user object;
``has_perm`` and friends then answer from them exactly as before.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from storeops.roles import CapabilityPermission


def permission_source_joins() -> list[tuple[str, str]]:
    """Where a user's permissions come from, as SQL: their own, then their groups'.

    Each is ``(FROM and JOINs giving p = auth_permission and ct = its content
    type, the column holding the user's id)``.
    """
    user_model = get_user_model()
    quote = connection.ops.quote_name
    permission = quote(Permission._meta.db_table)
    content_type = quote(ContentType._meta.db_table)
    common = (
        f"FROM {permission} p "
        f"JOIN {content_type} ct ON ct.{quote('id')} = p.{quote('content_type_id')} "
    )
    user_permissions = user_model.user_permissions.through._meta
    user_groups = user_model.groups.through._meta
    group_permissions = Group.permissions.through._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    return [
        (
            f"{common}JOIN {quote(user_permissions.db_table)} up "
            f"ON up.{column(user_permissions, 'permission')} = p.{quote('id')}",
            f"up.{column(user_permissions, 'user')}",
        ),
        (
            f"{common}JOIN {quote(group_permissions.db_table)} gp "
            f"ON gp.{column(group_permissions, 'permission')} = p.{quote('id')} "
            f"JOIN {quote(user_groups.db_table)} ug "
            f"ON ug.{column(user_groups, 'group')} = gp.{column(group_permissions, 'group')}",
            f"ug.{column(user_groups, 'user')}",
        ),
    ]


@functools.cache
def _permissions_sql() -> str:
    quote = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT '{source}', ct.{quote('app_label')}, p.{quote('codename')} {joins} "
        f"WHERE {user_column} = %s"
        for source, (joins, user_column) in zip(
            ("user", "group"), permission_source_joins(), strict=True
        )
    )


def _needs_permissions(user: Any) -> bool:
    """Whether ``ModelBackend`` would read the user's permissions (see :func:`load_permissions`)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and not user.is_superuser
        and not hasattr(user, "_perm_cache")
    )


def set_permissions(user: Any, *, own: set[str], from_groups: set[str]) -> None:
    """Put permissions read elsewhere into ``ModelBackend``'s caches, as it would fill them."""
    if not _needs_permissions(user):
        return
    user._user_perm_cache = own
    user._group_perm_cache = from_groups
    user._perm_cache = own | from_groups


def load_permissions(user: Any) -> None:
    """Fill ``ModelBackend``'s permission caches of ``user`` with one statement.

    Only for an active, signed-in user that is not a superuser and whose caches
    are empty: ``ModelBackend`` reads nothing for an inactive or anonymous user,
    and every permission for a superuser (which ``has_perm`` grants without it).
    """
    if not _needs_permissions(user):
        return
    user_permissions: set[str] = set()
    group_permissions: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(), [user.pk, user.pk])
        for source, app_label, codename in cursor.fetchall():
            target = user_permissions if source == "user" else group_permissions
            target.add(f"{app_label}.{codename}")
    set_permissions(user, own=user_permissions, from_groups=group_permissions)


class PreloadedCapabilityPermission(CapabilityPermission):
    """:class:`CapabilityPermission`, with the caller's permissions read in one statement."""

    def has_permission(self, request: Any, view: Any) -> bool:
        load_permissions(request.user)
        return super().has_permission(request, view)
