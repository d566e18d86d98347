from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.week, name="week"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:session_id>/publish/", views.session_publish, name="session-publish"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<int:session_id>/staff/", views.session_staff, name="session-staff"),
    path("sessions/<int:session_id>/held/", views.session_held, name="session-held"),
    path("sessions/<int:session_id>/book/", views.session_book, name="session-book"),
    path("sessions/<int:session_id>/book/find/", views.session_book_find, name="session-book-find"),
    path("sessions/<int:session_id>/check-in/", views.door, name="door"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking-detail"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("bookings/<int:booking_id>/no-show/", views.booking_no_show, name="booking-no-show"),
    path(
        "bookings/<int:booking_id>/reschedule/",
        views.booking_reschedule,
        name="booking-reschedule",
    ),
    path("letters/", views.letters, name="letters"),
    path("bookings/<int:booking_id>/letter.pdf", views.letter_pdf, name="letter-pdf"),
    path("bookings/<int:booking_id>/letter-sent/", views.letter_sent, name="letter-sent"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:version_id>/withdraw/", views.version_withdraw, name="version-withdraw"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/new/", views.feed_create, name="feed-create"),
    path("feeds/<int:feed_id>/revoke/", views.feed_revoke, name="feed-revoke"),
    path("waiting-list/", views.waiting_list, name="waiting-list"),
    path("waiting-list/find/", views.waiting_find, name="waiting-find"),
    path("waiting-list/<int:entry_id>/accept/", views.offer_accept, name="offer-accept"),
    path("feeds/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
