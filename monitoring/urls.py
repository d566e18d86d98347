"""Pages of monitoring: overview, at-risk list, national view, capacity, tokens, webhooks."""

app_name = "monitoring"

urlpatterns: list = []
