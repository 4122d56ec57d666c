from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools import notifications as notify_services
from schools import selectors
from schools.forms import ApiTokenForm, ReminderPreferenceForm
from schools.models import Notification, ReminderPreference, Role
from schools.tokens import api_token_issue, api_token_list, api_token_revoke


@login_required
def municipality_list(request):
    return render(
        request,
        "schools/municipality_list.html",
        {"municipalities": selectors.municipality_list(user=request.user)},
    )


@login_required
def municipality_detail(request, municipality_pk):
    municipality = selectors.municipality_get(user=request.user, pk=municipality_pk)
    return render(
        request,
        "schools/municipality_detail.html",
        {
            "municipality": municipality,
            "schools": selectors.school_list(user=request.user, municipality=municipality),
            "bodies": selectors.body_list(user=request.user).filter(municipality=municipality),
        },
    )


@login_required
def school_list(request):
    search = request.GET.get("q", "").strip()
    schools = selectors.school_list(user=request.user, search=search)
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    return render(request, "schools/school_list.html", {"page": page, "q": search})


@login_required
def school_detail(request, school_pk):
    school = selectors.school_get(user=request.user, pk=school_pk)
    return render(request, "schools/school_detail.html", {"school": school})


@login_required
def token_list(request):
    """The user's API tokens; a new key is shown once, right after it is issued."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = api_token_issue(
            user=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            read_only=form.cleaned_data["read_only"],
        )
        messages.success(
            request,
            _("Токен «%s» выдан. Скопируйте ключ сейчас: он больше не будет показан.") % token.name,
        )
        form = ApiTokenForm()
    return render(
        request,
        "schools/token_list.html",
        {"tokens": api_token_list(user=request.user), "form": form, "new_key": new_key},
    )


@login_required
@require_POST
def token_revoke(request, apitoken_pk):
    token = get_object_or_404(api_token_list(user=request.user), pk=apitoken_pk)
    api_token_revoke(token=token)
    messages.success(request, _("Токен «%s» отозван.") % token.name)
    return redirect("schools:token-list")


@login_required
def notification_list(request):
    """The person's notifications, newest first; opening the list does not mark them read."""
    notifications = Notification.objects.filter(user=request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    preference = ReminderPreference.objects.filter(user=request.user).first() or ReminderPreference(
        user=request.user
    )
    form = ReminderPreferenceForm(
        request.POST or None,
        instance=preference,
        show_summary=request.user.memberships.filter(role=Role.MUNICIPAL_OFFICIAL).exists(),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Настройки уведомлений сохранены."))
        return redirect("schools:notification-list")
    return render(
        request,
        "schools/notification_list.html",
        {"page": page, "form": form, "unread_only": unread_only},
    )


@login_required
@require_POST
def notification_read(request, notification_pk):
    """Mark one notification read; open what it is about, unless asked to stay on the list."""
    notification = get_object_or_404(
        Notification.objects.filter(user=request.user), pk=notification_pk
    )
    notify_services.mark_read(user=request.user, notification=notification)
    if (
        request.POST.get("stay") != "1"
        and notification.url
        and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None)
    ):
        return redirect(notification.url)
    return redirect("schools:notification-list")


@login_required
@require_POST
def notification_read_all(request):
    count = notify_services.mark_read(user=request.user)
    if count:
        messages.success(request, _("Все уведомления отмечены прочитанными."))
    return redirect("schools:notification-list")
