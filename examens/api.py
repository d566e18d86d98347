"""Read-only registry API: the exam catalogue, for municipal systems and result feeds."""

from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from . import (
    api_input,  # noqa: F401  (registers the api_id and api_code path converters)
    api_schema,  # noqa: F401  (registers the token scheme)
)
from .models import Component, ExamVersion, Regime, Route, RouteRequirement


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = [
            "code",
            "name_nl",
            "name_en",
            "run_by",
            "delivery",
            "duration_minutes",
            "assessment",
            "fee_cents",
        ]


class ExamVersionSerializer(serializers.ModelSerializer):
    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = ExamVersion
        fields = ["id", "component", "level", "code", "max_raw_score", "status"]


class RequirementSerializer(serializers.ModelSerializer):
    component: serializers.SlugRelatedField[Component] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = RouteRequirement
        fields = ["component", "level", "optional", "step_down_level"]


class RouteSerializer(serializers.ModelSerializer):
    regime: serializers.SlugRelatedField[Regime] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Route
        fields = ["id", "regime", "code", "name_nl", "name_en", "requirements"]


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    required_scope = "catalogue:read"
    # An id 1..MAX_ID in the path (examens/api_input.py), or no route matches: a 404.
    lookup_value_converter = "api_id"


class ComponentViewSet(CatalogueViewSet):
    queryset = Component.objects.all()
    serializer_class = ComponentSerializer
    lookup_field = "code"
    lookup_value_converter = "api_code"


class ExamVersionViewSet(CatalogueViewSet):
    """Exam versions without their cut-offs or tables: those stay with the examiners."""

    queryset = ExamVersion.objects.select_related("component")
    serializer_class = ExamVersionSerializer


class RouteViewSet(CatalogueViewSet):
    queryset = Route.objects.select_related("regime").prefetch_related("requirements__component")
    serializer_class = RouteSerializer


router = routers.SimpleRouter(use_regex_path=False)
router.register("components", ComponentViewSet)
router.register("exam-versions", ExamVersionViewSet)
router.register("routes", RouteViewSet)

urlpatterns = [path("catalogue/", include(router.urls))]
