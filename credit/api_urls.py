"""Credit API routes under /api/v1/ (loans, ledger, collections)."""

urlpatterns: list = []
