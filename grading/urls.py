from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("pogingen/<int:booking_id>/beoordelen/", views.rate, name="rate"),
    path("sessies/<int:session_id>/", views.session_release, name="session"),
    path("sessies/<int:session_id>/vrijgeven/", views.session_release_all, name="session-release"),
    path("resultaten/<int:result_id>/", views.result_history, name="history"),
    path("resultaten/<int:result_id>/corrigeren/", views.result_correct, name="correct"),
    path("kandidaten/<int:candidate_id>/voortgang/", views.progress, name="progress"),
    path("kandidaten/<int:candidate_id>/afronden/", views.sign_off, name="sign-off"),
    path(
        "organisaties/<int:organisation_id>/kwalificaties/",
        views.qualifications,
        name="qualifications",
    ),
    path(
        "organisaties/<int:organisation_id>/kwalificaties/toekennen/",
        views.qualification_grant,
        name="qualification-grant",
    ),
    path(
        "kwalificaties/<int:qualification_id>/intrekken/",
        views.qualification_withdraw,
        name="qualification-withdraw",
    ),
]
