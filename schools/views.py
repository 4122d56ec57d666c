from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from schools import selectors
from schools.models import Role


@login_required
def home(request):
    """The start page: what the user's roles give them, one block per membership."""
    memberships = list(selectors.membership_list(user=request.user))
    roles = {m.role for m in memberships}
    return render(
        request,
        "schools/home.html",
        {
            "memberships": memberships,
            "roles": roles,
            "Role": Role,
            "municipalities": selectors.municipality_list(user=request.user)[:20],
            "school_count": selectors.school_list(user=request.user).count(),
        },
    )


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
