from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reports.dashboard.blocks import dashboard
from schools import selectors


@login_required
def home(request):
    """The dashboard: one block per membership, showing what needs the user now."""
    memberships = list(selectors.membership_list(user=request.user))
    return render(
        request,
        "reports/home.html",
        {
            "memberships": memberships,
            "blocks": dashboard(user=request.user, memberships=memberships),
        },
    )
