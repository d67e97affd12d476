"""API sign-in: a token for a user name and password, and who the caller is.

Sign-in goes through ``django.contrib.auth.authenticate`` so that django-axes
counts failures and locks a user name + address out exactly as on the sign-in
page.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from storeops.api.errors import ApiError, ErrorSerializer
from storeops.roles import Capability, has_capability, roles_of


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
