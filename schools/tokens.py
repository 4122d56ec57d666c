"""API tokens: issue, revoke, authenticate. Keys are shown once and stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from schools.models import ApiToken

KEY_PREFIX = "rk_"
DEFAULT_LIFETIME = timedelta(days=365)
MAX_LIFETIME = timedelta(days=3 * 365)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user, name: str, days: int | None = None, read_only: bool = False):
    """A new token for `user`; returns (token, key). The key is never stored."""
    lifetime = timedelta(days=days) if days else DEFAULT_LIFETIME
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise ValueError(_("Срок действия токена — от 1 дня до 3 лет."))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("без названия"),
        prefix=prefix,
        key_hash=_hash(secret),
        read_only=read_only,
        expires_at=timezone.now() + lifetime,
    )
    return token, f"{KEY_PREFIX}{prefix}_{secret}"


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_list(*, user):
    return ApiToken.objects.filter(user=user)


def token_from_key(key: str) -> ApiToken | None:
    """The active token a key belongs to, or None (wrong, expired, revoked, inactive user)."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    from schools.backends import STAMP_ATTRIBUTE, with_stamp

    prefix, _sep, secret = key[len(KEY_PREFIX) :].partition("_")
    # The scope stamp in the same query, as for a session's user (schools.backends):
    # the user's memberships then come from the cache kept under it.
    token = with_stamp(ApiToken.objects.select_related("user").filter(prefix=prefix)).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    token.user.__dict__[STAMP_ATTRIBUTE] = getattr(token, STAMP_ATTRIBUTE)
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer rk_…` (or `Token rk_…`)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Неверный заголовок Authorization: нужен «Bearer <ключ>».")
            )
        token = token_from_key(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Неизвестный API-токен."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("API-токен отозван."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Срок действия API-токена истёк."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Пользователь токена отключён."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ReadOnlyTokenPermission(permissions.BasePermission):
    """A read-only token may only read."""

    message = _("Этот API-токен выдан только для чтения.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = "schools.tokens.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rk_<prefix>_<secret>",
            "description": "Ключ API-токена: выдаётся в разделе «API-токены» и показывается один раз.",
        }
