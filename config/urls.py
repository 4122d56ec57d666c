from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.signals import request_finished
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assessments.objectivity import api as objectivity_api
from assessments.results.api import views as assessments_api
from config import health, logs, metrics
from config.api import api_not_found
from config.views import favicon, healthz
from reports import api as reports_api
from reports.dashboard import views as dashboard_views
from roadmaps import api as roadmaps_api
from schools import api as schools_api

# INSTALLED_APPS has SimpleAdminConfig: the admin modules load here, with the URLs.
admin.autodiscover()
request_finished.connect(logs.request_finished, dispatch_uid="log-context")

router = DefaultRouter()
router.register("regions", schools_api.RegionViewSet, basename="region")
router.register("municipalities", schools_api.MunicipalityViewSet, basename="municipality")
router.register("schools", schools_api.SchoolViewSet, basename="school")
router.register("bodies", schools_api.BodyViewSet, basename="body")
roadmaps_api.register(router)
assessments_api.register(router)
objectivity_api.register(router)
reports_api.register(router)

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Operators' routes, no tenant data (unnamed: the isolation sweep walks named ones).
    path("favicon.ico", favicon),
    path("health/live", health.live),
    path("health/ready", health.ready),
    path("metrics", metrics.metrics),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("schools.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("assessments/", include("assessments.analytics.urls")),
    path("assessments/objectivity/", include("assessments.objectivity.urls")),
    path("assessments/", include("assessments.results.urls")),
    path("documents/", include("reports.urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # Swagger UI sets inline styles as it draws; its scripts stay 'self' only.
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    re_path(r"^api/.*/$", api_not_found),
    path("admin/", admin.site.urls),
]
