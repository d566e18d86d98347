"""API routes of scheduling (mounted under /api/v1/ by config/api_urls.py)."""

urlpatterns: list = []
