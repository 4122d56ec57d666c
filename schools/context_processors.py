"""The navigation each role sees: an item shows only when the user holds its permission."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("home", _("Главная"), None),
    ("schools:municipality-list", _("Муниципалитеты"), "schools.view_tree"),
    ("schools:school-list", _("Школы"), "schools.view_tree"),
    ("reports:document-list", _("Документы"), "reports.view_document"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    for url_name, label, permission in NAVIGATION:
        if permission is None or user.has_perm(permission):
            url = reverse(url_name)
            items.append({"url": url, "label": label, "active": request.path == url})
    from schools.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return {"navigation": items, "unread_notifications": unread}
