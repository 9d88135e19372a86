"""Credit API routes under /api/v1/: loans, a loan's ledger, collections."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import LoanViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("loans", LoanViewSet, basename="loan")

urlpatterns = [path("", include(router.urls))]
