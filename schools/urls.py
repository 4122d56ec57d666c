from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("municipalities/", views.municipality_list, name="municipality-list"),
    path(
        "municipalities/<int:municipality_pk>/",
        views.municipality_detail,
        name="municipality-detail",
    ),
    path("schools/", views.school_list, name="school-list"),
    path("schools/<int:school_pk>/", views.school_detail, name="school-detail"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/notifications/", views.notification_list, name="notification-list"),
    path(
        "account/notifications/read-all/",
        views.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "account/notifications/<int:notification_pk>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("account/tokens/<int:apitoken_pk>/revoke/", views.token_revoke, name="token-revoke"),
]
