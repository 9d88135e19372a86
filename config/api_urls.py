"""Every endpoint under /api/v1/; each app contributes its own router entries."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("households.api_urls")),
    path("", include("credit.api_urls")),
]
