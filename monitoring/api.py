"""The exchange API for municipal case systems and the agency's planning."""

urlpatterns: list = []
