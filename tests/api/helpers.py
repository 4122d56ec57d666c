"""What the API tests share: a client that carries a token, as an outside system's does."""

from rest_framework.test import APIClient

from schools.tokens import api_token_issue


def client_for(user, *, read_only=False):
    _, key = api_token_issue(user=user, name="тест API", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
