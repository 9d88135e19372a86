from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import HouseholdViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("households", HouseholdViewSet, basename="household")

urlpatterns = [path("", include(router.urls))]
