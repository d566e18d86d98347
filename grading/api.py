"""API routes of grading (mounted under /api/v1/ by config/api_urls.py)."""

urlpatterns: list = []
