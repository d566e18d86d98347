"""The journey of issue 12, in one browser per person, every page audited at 1280/320 px.

A planner (DUO) logs in with password and TOTP, plans and publishes a speaking
session, assigns an invigilator, books the prepared candidate and is refused for a
candidate exempted from speaking. Time passes (given.start-session). The
invigilator checks the candidate in; the planner marks the session held; two
examiners rate blind; a coordinator releases (with a fresh code when asked); the
route completes and the certificate is issued. The officer downloads its PDF; the
page is rendered, its QR code decoded and its URL opened: "valid". A correction fails speaking:
the same URL says revoked, with the reason. The officer sees the progress.
"""

from __future__ import annotations

import datetime
import re
import subprocess
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from . import flows
from .checks import PageAudit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # what the form's local time means
SPEAKING = "SPR-B1-2026A"
ROOM = "Examenzaal 2"
PLANNER, INVIGILATOR = "planner.duo", "examinator3.duo"
RATERS = ("examinator.duo", "examinator2.duo")
COORDINATOR, OFFICER = "beheer.duo", "medewerker.duo"
CORRECTION_REASON = "Beoordelingsfout bij spreken (browsertest)"


@dataclass
class Journey:
    audit: PageAudit = field(default_factory=PageAudit)
    observed: dict[str, str] = field(default_factory=dict)
    verify_url: str = ""


def qr_url_from_pdf(pdf: bytes, scratch) -> str:
    """The URL in the certificate's QR code, as a phone camera reads it.

    The PDF draws the code as vector rectangles (certificates/pdf.py), so the page is
    rendered to pixels (Debian's pdftoppm, 200 dpi) and zxing-cpp decodes the picture;
    the PDF's link annotation is not read.
    """
    import zxingcpp
    from PIL import Image

    source = scratch / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(source), str(scratch / "page")],
        check=True,
        timeout=60,
    )
    for picture in sorted(scratch.glob("page*.png")):
        for result in zxingcpp.read_barcodes(Image.open(picture)):
            if result.text.startswith("http"):
                return result.text
    raise AssertionError("no QR code with a URL on the certificate's first page")


def run(*, new_context, server, world, authenticator, screenshot, scratch) -> Journey:
    journey = Journey()
    audit = journey.audit.audit

    # The planner.
    planner = new_context().new_page()
    planner.goto("/login/")
    screenshot(planner, "login")
    flows.log_in(planner, PLANNER, authenticator, audit=audit)
    screenshot(planner, "home-planner")
    audit(planner, "home-planner")
    planner.goto("/planning/")
    audit(planner, "planning-week")
    screenshot(planner, "planning-week")
    starts = (datetime.datetime.now(AMSTERDAM) + datetime.timedelta(days=20)).replace(
        hour=16, minute=0, second=0, microsecond=0
    )
    planner.goto("/planning/sessions/new/")
    audit(planner, "session-form")
    session_id = flows.plan_session(planner, room=ROOM, version=SPEAKING, starts=starts, capacity=8)
    flows.publish(planner, session_id)
    flows.assign_staff(planner, session_id, person="Daan Kuipers", role="invigilator")
    audit(planner, "session")

    candidate, refused = world["journey"], world["ineligible"]
    flows.open_eligibility(planner, session_id, refused["name"])
    alert = planner.get_by_role("alert")
    expect(alert).to_contain_text("ontheffing")
    journey.observed["refusal"] = alert.inner_text()
    audit(planner, "book-refused")

    row = flows.search_to_book(planner, session_id, candidate["name"])
    expect(row).to_contain_text("Ja")
    audit(planner, "book-eligible")
    with planner.expect_navigation():
        row.locator("form button[type=submit]").click()
    expect(planner.get_by_role("status")).to_contain_text(candidate["name"])
    journey.observed["booked"] = planner.get_by_role("status").inner_text()
    found = re.search(r"\(\S+ ([A-Z0-9-]+)\)", journey.observed["booked"])
    assert found, journey.observed["booked"]
    reference = found.group(1)
    screenshot(planner, "session")

    # Time passes: the session starts now (the outside world).
    server.given("start-session", str(session_id))

    # The invigilator at the door.
    door = new_context().new_page()
    flows.log_in(door, INVIGILATOR, authenticator)
    door.goto(f"/planning/sessions/{session_id}/check-in/")
    door.fill("input[name=q]", candidate["family_name"])
    with door.expect_navigation():
        door.locator("input[name=q]").press("Enter")
    audit(door, "door")
    row = door.locator("form", has=door.locator("input[name=identity_confirmed]")).first
    row.locator("input[name=identity_confirmed]").check()
    with door.expect_navigation():
        row.locator("button[value=check_in], button[type=submit]").first.click()
    expect(door.get_by_role("status")).to_contain_text("Ingecheckt")
    journey.observed["checked_in"] = door.get_by_role("status").inner_text()

    planner.goto(f"/planning/sessions/{session_id}/")
    flows.submit(planner, f"form[action$='/sessions/{session_id}/held/']")

    # Two examiners rate blind.
    for index, rater in enumerate(RATERS):
        page = new_context().new_page()
        flows.log_in(page, rater, authenticator)
        page.goto("/beoordeling/")
        if index == 0:
            audit(page, "grading-worklist")
            screenshot(page, "grading-worklist")
        with page.expect_navigation():
            page.locator("tr", has_text=reference).locator("a[href*='/beoordelen/']").click()
        if index == 0:
            audit(page, "rate")
        # Blind: the first rating stays hidden from the second rater.
        assert page.locator("main ul li").filter(has_text=re.compile(r": \d+$")).count() == 0
        for field_ in page.locator("main form input[type=number]").all():
            field_.fill(field_.get_attribute("max") or "1")
        flows.submit(page)
        expect(page.get_by_role("status")).to_be_visible()

    # The coordinator releases.
    coordinator = new_context().new_page()
    flows.log_in(coordinator, COORDINATOR, authenticator)
    coordinator.goto(f"/beoordeling/sessies/{session_id}/")
    audit(coordinator, "grading-session")
    coordinator.goto(f"/beoordeling/sessies/{session_id}/vrijgeven/")
    flows.confirm_fresh_code(coordinator, COORDINATOR, authenticator)
    audit(coordinator, "release")
    flows.submit(coordinator)
    expect(coordinator.get_by_role("status")).to_contain_text("vrijgegeven")
    journey.observed["released"] = coordinator.get_by_role("status").inner_text()

    # The officer finds the certificate and downloads its PDF.
    officer = new_context().new_page()
    flows.log_in(officer, OFFICER, authenticator)
    officer.goto(f"/candidates/?q={candidate['family_name']}")
    audit(officer, "candidates")
    screenshot(officer, "candidates")
    officer.goto(f"/candidates/{candidate['id']}/")
    audit(officer, "candidate")
    certificate_link = officer.locator("a[href^='/c/'][href$='/']").first
    with officer.expect_navigation():
        certificate_link.click()
    audit(officer, "certificate")
    pdf = officer.request.get(officer.url.rstrip("/") + "/pdf")
    assert pdf.ok, pdf.status
    assert pdf.headers["content-type"].startswith("application/pdf")
    journey.verify_url = qr_url_from_pdf(pdf.body(), scratch)

    # The employer scans the QR code.
    employer = new_context().new_page()
    employer.goto(journey.verify_url)
    audit(employer, "verify-valid")
    screenshot(employer, "verify")
    journey.observed["verdict_before"] = employer.locator("main").inner_text()

    # The correction: speaking was wrongly passed.
    history = coordinator
    history.goto(f"/beoordeling/sessies/{session_id}/")
    with history.expect_navigation():
        history.locator("a[href*='/resultaten/']").first.click()
    opened = re.search(r"/resultaten/(\d+)/", history.url)
    assert opened, history.url
    result_id = opened.group(1)
    history.goto(f"/beoordeling/resultaten/{result_id}/corrigeren/")
    flows.confirm_fresh_code(history, COORDINATOR, authenticator)
    audit(history, "correct")
    history.fill("textarea[name=reason]", CORRECTION_REASON)
    history.fill("input[name=raw_score]", "0")
    flows.submit(history)
    audit(history, "history")

    employer.goto(journey.verify_url)
    audit(employer, "verify-revoked")
    screenshot(employer, "verify-revoked")
    journey.observed["verdict_after"] = employer.locator("main").inner_text()

    officer.goto(f"/beoordeling/kandidaten/{candidate['id']}/voortgang/")
    audit(officer, "progress")
    screenshot(officer, "progress")
    journey.observed["progress"] = officer.locator("main").inner_text()
    return journey
