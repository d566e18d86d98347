"""The invitation's QR code holds the booking reference and nothing else."""

import io

import pytest
import qrcode
import qrcode.constants
from django.urls import reverse
from PIL import Image

from scheduling import qr
from scheduling.services import book_candidate
from scheduling.services._common import new_reference
from tests.conftest import agency_staff, login_verified
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of

REFERENCE = "EB-7KQ2-M9XD"


def decoded_modules(png: bytes) -> list[list[bool]]:
    """Read the PNG back into modules: sample the centre of each box (dark = True)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // qr.BOX_SIZE
    half = qr.BOX_SIZE // 2
    return [
        [
            image.getpixel((x * qr.BOX_SIZE + half, y * qr.BOX_SIZE + half)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def expected_modules(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=qr.BORDER)
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return code.get_matrix()


def test_png_holds_exactly_the_reference():
    png = qr.reference_qr_png(REFERENCE)

    assert png.startswith(b"\x89PNG")
    assert decoded_modules(png) == expected_modules(REFERENCE)
    assert decoded_modules(png) != expected_modules(REFERENCE + " 123456782")


def test_every_generated_reference_is_accepted():
    for _ in range(50):
        assert qr.reference_matrix(new_reference())


@pytest.mark.parametrize("data", ["123456782", "Jansen EB-7KQ2-M9XD", "EB-7KQ2-M9XD\n", ""])
def test_anything_but_a_reference_is_refused(data):
    with pytest.raises(ValueError, match="booking reference"):
        qr.reference_qr_png(data)


@pytest.mark.django_db
def test_invitation_carries_the_qr_png_of_the_reference_and_no_bsn(
    django_capture_on_commit_callbacks, mailoutbox
):
    session = SessionFactory()
    candidate = candidate_for(session, email="c@x.nl")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_candidate(session, actor=agency_staff(), candidate=candidate)

    (message,) = mailoutbox
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert (filename, mimetype) == (f"{booking.reference}.png", "image/png")
    assert decoded_modules(content) == expected_modules(booking.reference)
    assert candidate.bsn not in message.body
    assert candidate.bsn not in filename


@pytest.mark.django_db
def test_door_search_finds_the_booking_by_its_scanned_reference(client):
    session = SessionFactory()
    booking = book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    book_candidate(session, actor=agency_staff(), candidate=candidate_for(session))
    login_verified(client, planner_of(session.centre.organisation))

    response = client.get(reverse("scheduling:door", args=[session.pk]), {"q": booking.reference})

    assert list(response.context["bookings"]) == [booking]


def test_references_use_only_the_unambiguous_alphabet_and_differ():
    import re

    from scheduling.services._common import REFERENCE_ALPHABET

    references = [new_reference() for _ in range(500)]
    pattern = re.compile(rf"^EB-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$")
    assert all(pattern.match(reference) for reference in references)
    assert len(set(references)) == len(references)
    used = set("".join(reference[3:].replace("-", "") for reference in references))
    assert used == set(REFERENCE_ALPHABET)  # every letter occurs: none is unreachable
