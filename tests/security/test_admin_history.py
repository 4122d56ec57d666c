"""Finding 9 of issue #16: changes made through the Django admin to roadmaps and
measures (their forms, inline rows and deletions) write the history: who, when,
what was before and what is after."""

from decimal import Decimal

import pytest
from django.urls import reverse

from roadmaps.models import Indicator, Measure, Roadmap
from schools.history import ChangeRecord
from tests import factories as f


@pytest.fixture
def root(world):
    return f.user("root", is_superuser=True, is_staff=True)


def form_data(response):
    """What the admin's change page would post back untouched: the main form and
    every inline formset with its management form."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def history(obj):
    return ChangeRecord.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk)


def test_an_admin_edit_of_a_measure_records_who_before_and_after(client, world, root):
    measure = world.extra["roadmap_measure_a"]
    version = measure.version
    client.force_login(root)
    url = reverse("admin:roadmaps_measure_change", args=[measure.pk])
    data = form_data(client.get(url))
    data["text"] = "Анализ результатов ВПР и ОГЭ"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = history(measure).filter(action="admin_update").get()
    assert record.by == root and record.roadmap == measure.roadmap
    assert record.before["text"] == "Анализ результатов ВПР (Альфа)"
    assert record.after["text"] == "Анализ результатов ВПР и ОГЭ"
    client.force_login(world.bob)
    page = client.get(reverse("roadmaps:roadmap-history", args=[measure.roadmap_id]))
    assert "изменение в администрировании" in page.content.decode()
    measure.refresh_from_db()
    # An open editor holding the old version is told someone changed it.
    assert measure.version == version + 1


def test_an_admin_edit_of_an_inline_indicator_and_its_deletion_are_recorded(client, world, root):
    measure = world.extra["roadmap_measure_a"]
    indicator = Indicator.objects.get(measure=measure)
    client.force_login(root)
    url = reverse("admin:roadmaps_measure_change", args=[measure.pk])
    data = form_data(client.get(url))
    prefix = next(k for k in data if k.endswith("-0-target_value")).rsplit("-", 1)[0]
    data[f"{prefix}-target_value"] = "85"
    assert client.post(url, data).status_code == 302
    record = history(indicator).filter(action="admin_update").get()
    assert record.by == root
    assert Decimal(record.before["target_value"]) == 70
    assert Decimal(record.after["target_value"]) == 85
    data = form_data(client.get(url))
    data[f"{prefix}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    assert history(indicator).filter(action="admin_delete", by=root).exists()


def test_an_admin_edit_of_a_roadmap_and_a_deleted_measure_are_recorded(client, world, root):
    roadmap = world.extra["roadmap_roadmap_a"]
    client.force_login(root)
    url = reverse("admin:roadmaps_roadmap_change", args=[roadmap.pk])
    data = form_data(client.get(url))
    data["title"] = "Дорожная карта Альфаграда на 2025–2026 годы"
    assert client.post(url, data).status_code == 302
    record = history(roadmap).filter(action="admin_update").get()
    assert record.after["title"] == "Дорожная карта Альфаграда на 2025–2026 годы"
    assert record.before["title"] == "Дорожная карта Альфаград"

    measure = world.extra["roadmap_measure_a"]
    response = client.post(
        reverse("admin:roadmaps_measure_delete", args=[measure.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Measure.objects.filter(pk=measure.pk).exists()
    deleted = history(measure).filter(action="admin_delete").get()
    assert deleted.by == root and deleted.before["text"] == "Анализ результатов ВПР (Альфа)"
    assert deleted.roadmap == roadmap


def test_roadmaps_deleted_in_bulk_from_the_admin_list_leave_a_line_each(client, world, root):
    roadmaps = list(Roadmap.objects.filter(municipality__in=[world.muni_a, world.muni_b]))
    client.force_login(root)
    response = client.post(
        reverse("admin:roadmaps_roadmap_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in roadmaps], "post": "yes"},
    )
    assert response.status_code == 302
    for roadmap in roadmaps:
        record = ChangeRecord.objects.get(
            object_type="roadmap", object_id=roadmap.pk, action="admin_delete"
        )
        assert record.by == root and record.before["title"] == roadmap.title
