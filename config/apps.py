from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic leaves out what no page uses: ReDoc (the API's page is Swagger UI)."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc"]
