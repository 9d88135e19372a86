from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import CommuneViewSet, MeView, VillageViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("communes", CommuneViewSet, basename="commune")
router.register("villages", VillageViewSet, basename="village")

urlpatterns = [path("me/", MeView.as_view(), name="api-me"), path("", include(router.urls))]
