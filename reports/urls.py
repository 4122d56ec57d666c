from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.document_list, name="document-list"),
    path("new/", views.document_create, name="document-create"),
    path("preview/", views.document_preview, name="document-preview"),
    path("<int:document_pk>/", views.document_detail, name="document-detail"),
    path("<int:document_pk>/status/", views.document_status, name="document-status"),
    path("<int:document_pk>/download/", views.document_download, name="document-download"),
]
