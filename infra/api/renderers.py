"""Renderers shared by the API endpoints of several apps."""

import json

from rest_framework import renderers


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with any Accept header; errors still render as JSON."""

    media_type = "*/*"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()
