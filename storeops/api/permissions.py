"""API permission checks that read the caller's permissions in one statement.

Django's ``ModelBackend`` reads a user's own permissions and their groups'
permissions in two statements, on the first capability check of a request.
An API request checks a capability or two on every call, so the two reads are
done here as one, into the caches ``ModelBackend`` keeps on the user object;
``has_perm`` and friends then answer from them exactly as before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from storeops.roles import CapabilityPermission


def _permissions_sql() -> str:
    user_model = get_user_model()
    quote = connection.ops.quote_name
    permission = quote(Permission._meta.db_table)
    content_type = quote(ContentType._meta.db_table)

    def common(source: str) -> str:
        return (
            f"SELECT '{source}', ct.{quote('app_label')}, p.{quote('codename')} "
            f"FROM {permission} p "
            f"JOIN {content_type} ct ON ct.{quote('id')} = p.{quote('content_type_id')} "
        )

    user_permissions = user_model.user_permissions.through._meta
    user_groups = user_model.groups.through._meta
    group_permissions = Group.permissions.through._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"{common('user')}JOIN {quote(user_permissions.db_table)} up "
        f"ON up.{column(user_permissions, 'permission')} = p.{quote('id')} "
        f"WHERE up.{column(user_permissions, 'user')} = %s "
        f"UNION ALL {common('group')}JOIN {quote(group_permissions.db_table)} gp "
        f"ON gp.{column(group_permissions, 'permission')} = p.{quote('id')} "
        f"JOIN {quote(user_groups.db_table)} ug "
        f"ON ug.{column(user_groups, 'group')} = gp.{column(group_permissions, 'group')} "
        f"WHERE ug.{column(user_groups, 'user')} = %s"
    )


def load_permissions(user: Any) -> None:
    """Fill ``ModelBackend``'s permission caches of ``user`` with one statement.

    Only for an active, signed-in user that is not a superuser and whose caches
    are empty: ``ModelBackend`` reads nothing for an inactive or anonymous user,
    and every permission for a superuser (which ``has_perm`` grants without it).
    """
    if (
        not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.is_superuser
        or hasattr(user, "_perm_cache")
    ):
        return
    user_permissions: set[str] = set()
    group_permissions: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(_permissions_sql(), [user.pk, user.pk])
        for source, app_label, codename in cursor.fetchall():
            target = user_permissions if source == "user" else group_permissions
            target.add(f"{app_label}.{codename}")
    user._user_perm_cache = user_permissions
    user._group_perm_cache = group_permissions
    user._perm_cache = user_permissions | group_permissions


class PreloadedCapabilityPermission(CapabilityPermission):
    """:class:`CapabilityPermission`, with the caller's permissions read in one statement."""

    def has_permission(self, request: Any, view: Any) -> bool:
        load_permissions(request.user)
        return super().has_permission(request, view)
