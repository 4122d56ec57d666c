"""What the API tests share: a client that carries a token, as an outside system's does."""

from rest_framework.test import APIClient

from schools.tokens import api_token_issue


def key_for(user, *, read_only=False):
    """A fresh API key of `user`, issued as the token page issues it."""
    _, key = api_token_issue(user=user, name="тест API", read_only=read_only)
    return key


def client_for(user, *, read_only=False):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key_for(user, read_only=read_only)}")
    return client
