"""API sign-in: a token for a user name and password, and who the caller is.

Sign-in goes through ``django.contrib.auth.authenticate`` so that django-axes
counts failures and locks a user name + address out exactly as on the sign-in
page.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_logged_in
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from storeops.access import permission_source_joins, set_permissions
from storeops.api.errors import ApiError, ErrorSerializer
from storeops.roles import Capability, has_capability, roles_of


@functools.cache
def _token_user_sql(alias: str) -> tuple[str, list, int]:
    """The read of :class:`PreloadedTokenAuthentication`: its SQL, converters and token width.

    One statement: a first row (kind 0) with the token and its user, then one
    row per permission of the user (kind 1: their own, kind 2: their groups'),
    as :func:`storeops.access.load_access` reads them.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    token_meta, user_meta = Token._meta, user_model._meta
    fields = [(field, token_meta.db_table) for field in token_meta.concrete_fields] + [
        (field, user_meta.db_table) for field in user_meta.concrete_fields
    ]
    token_user = quote(token_meta.get_field("user").column)
    token_key = quote(token_meta.get_field("key").column)
    nulls = ", ".join(["NULL"] * len(fields))
    columns = ", ".join(
        f"{'t' if table == token_meta.db_table else 'u'}.{quote(field.column)}"
        for field, table in fields
    )
    permission_joins = permission_source_joins()
    sql = (
        f"SELECT 0, {columns}, NULL, NULL FROM {quote(token_meta.db_table)} t "
        f"JOIN {quote(user_meta.db_table)} u ON u.{quote(user_meta.pk.column)} = t.{token_user} "
        f"WHERE t.{token_key} = %s"
    )
    for kind, (from_joins, user_column) in enumerate(permission_joins, start=1):
        sql += (
            f" UNION ALL SELECT {kind}, {nulls}, ct.{quote('app_label')}, p.{quote('codename')} "
            f"{from_joins} JOIN {quote(token_meta.db_table)} t ON t.{token_user} = {user_column} "
            f"WHERE t.{token_key} = %s"
        )
    converters = []
    for index, (field, table) in enumerate(fields):
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return sql, converters, len(token_meta.concrete_fields)


class PreloadedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the token, its user and their permissions read at once.

    The same answers as DRF's (the same messages for an unknown token or an
    inactive user) from one statement instead of two: the token with its user
    (``Token.objects.select_related("user").get(key=key)``) and the user's
    permissions, put where ``ModelBackend`` keeps them as
    :func:`storeops.access.load_access` does. Every API request
    makes this read, and building it through the ORM cost more CPU than the
    database spends answering it.
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        alias = router.db_for_read(Token)
        connection = connections[alias]
        sql, converters, token_width = _token_user_sql(alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, key, key])
            rows = cursor.fetchall()
        first = next((row for row in rows if row[0] == 0), None)
        if first is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        values = list(first[1:-2])
        for index, found, column in converters:
            for converter in found:
                values[index] = converter(values[index], column, connection)
        user_model = get_user_model()
        token = Token.from_db(
            alias, [field.attname for field in Token._meta.concrete_fields], values[:token_width]
        )
        user = user_model.from_db(
            alias,
            [field.attname for field in user_model._meta.concrete_fields],
            values[token_width:],
        )
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        set_permissions(
            user,
            own={
                f"{app_label}.{codename}" for kind, *_rest, app_label, codename in rows if kind == 1
            },
            from_groups={
                f"{app_label}.{codename}" for kind, *_rest, app_label, codename in rows if kind == 2
            },
        )
        return user, token


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_('Send as "Authorization: Token <token>".'))


class RoleSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = RoleSerializer(many=True)
    capabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Capability.choices),
        help_text=_("Capabilities the user holds, sorted."),
    )


class TokenView(APIView):
    """Issue (POST) or revoke (DELETE) the caller's API token."""

    authentication_classes = [TokenAuthentication]

    def get_permissions(self) -> list:
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Returns the user's token, creating it on first use. Five wrong passwords "
            "for one user name from one address lock that pair out for a while."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="invalid_credentials, or invalid input."
            ),
            403: OpenApiResponse(ErrorSerializer, description="locked_out"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The DRF request, not the Django one: django-axes flags a lockout on the
        # object it is given, and the flag on the Django request would make its
        # middleware replace this JSON answer with the sign-in page's lockout page.
        user = authenticate(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            raise ApiError(
                _("Too many failed sign-ins: this account is locked for a while."),
                code="locked_out",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        if user is None:
            raise ApiError(
                _("The user name or password is not correct."), code="invalid_credentials"
            )
        # A token sign-in is a sign-in: last_login is set and axes resets the failures.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="Revoke the API token",
        description="Revokes the token this request is authenticated with.",
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked."),
            401: OpenApiResponse(ErrorSerializer, description="not_authenticated"),
        },
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user, their roles and capabilities."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve",
        summary="The current user",
        responses={
            200: MeSerializer,
            401: OpenApiResponse(ErrorSerializer, description="not_authenticated"),
        },
    )
    def get(self, request: Request) -> Response:
        user = request.user
        me = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "roles": [{"key": role.name.lower(), "label": role.label} for role in roles_of(user)],
            "capabilities": sorted(
                capability.value for capability in Capability if has_capability(user, capability)
            ),
        }
        return Response(MeSerializer(me).data)
