from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.week, name="week"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:session_id>/publish/", views.session_publish, name="session-publish"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<int:session_id>/book/", views.session_book, name="session-book"),
    path("sessions/<int:session_id>/check-in/", views.door, name="door"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("waiting-list/", views.waiting_list, name="waiting-list"),
    path("waiting-list/<int:entry_id>/accept/", views.offer_accept, name="offer-accept"),
    path("feeds/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
