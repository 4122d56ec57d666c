from reports.models import Document


def document_list(*, user, kind: str = "", status: str = "", fmt: str = ""):
    qs = Document.objects.visible_to(user).select_related(
        "region", "municipality", "school", "requested_by"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if fmt:
        qs = qs.filter(format=fmt)
    return qs


def document_get(*, user, pk):
    return Document.objects.get_visible_or_404(user, pk=pk)
