"""REST endpoints of the tree. Every queryset goes through the scoping rule."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import serializers, viewsets

from schools import selectors
from schools.models import Body, Municipality, Region, School, parse_fis_login


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class MunicipalitySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Municipality
        fields = ["id", "code", "name", "kind", "region", "region_code"]


class SchoolSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(source="municipality.code", read_only=True)

    class Meta:
        model = School
        fields = [
            "id",
            "code",
            "fis_login",
            "full_name",
            "short_name",
            "address",
            "locality",
            "kind",
            "is_active",
            "region",
            "municipality",
            "municipality_code",
        ]


class BodySerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["id", "name", "short_name", "kind", "region", "municipality", "school"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user)


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    filterset_fields = ["code", "region", "kind"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.municipality_list(user=self.request.user)


class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    """Schools; a school is addressed by its id or its ФИС ОКО login, found by `?code=`."""

    serializer_class = SchoolSerializer
    filterset_fields = ["code", "fis_login", "municipality", "region", "locality", "kind"]
    ordering_fields = ["code", "short_name"]
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.school_list(user=self.request.user)

    def get_object(self):
        value = self.kwargs["pk"]
        queryset = self.get_queryset()
        if parse_fis_login(value):
            obj = get_object_or_404(queryset, fis_login=value.lower())
        elif value.isdigit():
            obj = get_object_or_404(queryset, pk=int(value))
        else:
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj


class BodyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BodySerializer
    filterset_fields = ["kind", "region", "municipality"]

    def get_queryset(self):
        return selectors.body_list(user=self.request.user)
