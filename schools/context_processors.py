"""The navigation each role sees: an item shows only when the user holds its permission."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("home", _("Главная"), None),
    ("roadmaps:roadmap-list", _("Дорожные карты"), "roadmaps.view_roadmap"),
    ("roadmaps:assignment-list", _("Мои мероприятия"), "roadmaps.report_progress"),
    ("roadmaps:report-queue", _("Отчёты на проверке"), "roadmaps.review_report"),
    ("assessments:procedure-list", _("Результаты"), "assessments.view_results"),
    ("analytics:procedure-list", _("Аналитика"), "assessments.view_results"),
    ("objectivity:run-list", _("Объективность"), "assessments.view_results"),
    ("assessments:import-list", _("Загрузка результатов"), "assessments.import_results"),
    ("reports:document-list", _("Документы"), "reports.view_document"),
    ("schools:municipality-list", _("Муниципалитеты"), "schools.view_municipalities"),
    ("schools:school-list", _("Школы"), "schools.view_tree"),
]


@lru_cache(maxsize=16)
def _addresses(_urlconf, _prefix) -> tuple[str, ...]:
    """The menu's addresses, reversed once per URL configuration and script prefix
    (the arguments are the cache key: reverse() reads them itself)."""
    return tuple(reverse(url_name) for url_name, _label, _permission in NAVIGATION)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = []
    addresses = _addresses((get_urlconf(), settings.ROOT_URLCONF), get_script_prefix())
    for (_url_name, label, permission), url in zip(NAVIGATION, addresses, strict=True):
        if permission is None or user.has_perm(permission):
            items.append({"url": url, "label": label, "active": False})
    # The item whose address is the longest start of the current path is the active one.
    matching = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    from schools.notifications import unread_count

    return {"navigation": items, "unread_notifications": unread_count(user)}
