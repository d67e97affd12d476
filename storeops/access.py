"""A signed-in user's permissions and group names, read in one statement a request.

Django's ``ModelBackend`` reads a user's own permissions and their groups'
permissions in two statements on the first permission check of a request,
and the top bar reads the user's groups (their roles) in a third. Every page
and API call checks a capability or two, so the three reads are done here as
one, into the caches ``ModelBackend`` keeps on the user object (``has_perm``
and friends then answer from them exactly as before) and into
``_storeops_group_names`` for :func:`storeops.roles.roles_of`.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

GROUP_NAMES_CACHE = "_storeops_group_names"


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
    return [
        (
            f"{common}JOIN {quote(user_permissions.db_table)} up "
            f"ON up.{_column(user_permissions, 'permission')} = p.{quote('id')}",
            f"up.{_column(user_permissions, 'user')}",
        ),
        (
            f"{common}JOIN {quote(group_permissions.db_table)} gp "
            f"ON gp.{_column(group_permissions, 'permission')} = p.{quote('id')} "
            f"JOIN {quote(user_groups.db_table)} ug "
            f"ON ug.{_column(user_groups, 'group')} = gp.{_column(group_permissions, 'group')}",
            f"ug.{_column(user_groups, 'user')}",
        ),
    ]


def _column(meta: Any, name: str) -> str:
    return connection.ops.quote_name(meta.get_field(name).column)


@functools.cache
def _access_sql() -> str:
    """(source, app label or '', codename or group name) rows: permissions, then group names."""
    quote = connection.ops.quote_name
    permissions = [
        f"SELECT '{source}', ct.{quote('app_label')}, p.{quote('codename')} {joins} "
        f"WHERE {user_column} = %s"
        for source, (joins, user_column) in zip(
            ("user", "group"), permission_source_joins(), strict=True
        )
    ]
    user_groups = get_user_model().groups.through._meta
    groups = (
        f"SELECT 'name', '', g.{quote('name')} FROM {quote(Group._meta.db_table)} g "
        f"JOIN {quote(user_groups.db_table)} ug ON ug.{_column(user_groups, 'group')} = "
        f"g.{quote('id')} WHERE ug.{_column(user_groups, 'user')} = %s"
    )
    return " UNION ALL ".join([*permissions, groups])


def _needs_permissions(user: Any) -> bool:
    """Whether ``ModelBackend`` would read the user's permissions.

    Not for an inactive or anonymous user (it reads nothing), nor a superuser
    (``has_perm`` grants everything without them), nor when they are read already.
    """
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


def load_access(user: Any, *, with_group_names: bool = False) -> None:
    """Read the user's permissions (and group names) in one statement, unless read already.

    Permissions read elsewhere (with an API token) are not read again for a
    capability check; the group names then come with ``with_group_names``.
    """
    if not getattr(user, "is_authenticated", False):
        return
    names_missing = with_group_names and not hasattr(user, GROUP_NAMES_CACHE)
    if not _needs_permissions(user) and not names_missing:
        return
    own: set[str] = set()
    from_groups: set[str] = set()
    names: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(), [user.pk, user.pk, user.pk])
        for source, app_label, value in cursor.fetchall():
            if source == "name":
                names.add(value)
            else:
                (own if source == "user" else from_groups).add(f"{app_label}.{value}")
    set_permissions(user, own=own, from_groups=from_groups)
    if not hasattr(user, GROUP_NAMES_CACHE):
        setattr(user, GROUP_NAMES_CACHE, names)


def group_names(user: Any) -> set[str]:
    """The names of the signed-in user's groups (read with their permissions)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    load_access(user, with_group_names=True)
    return getattr(user, GROUP_NAMES_CACHE)
