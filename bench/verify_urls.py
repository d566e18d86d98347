"""The product's URLs plus `/bench/bare`: a JSON view doing nothing, the baseline."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def bare(request):
    return JsonResponse({"outcome": "valid"})


urlpatterns = [path("bench/bare", bare, name="bench-bare"), *product_urlpatterns]
