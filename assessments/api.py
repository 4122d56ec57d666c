"""REST endpoints of the assessments app, registered on the /api/v1/ router."""


def register(router):
    """Add this app's viewsets to `router`."""
