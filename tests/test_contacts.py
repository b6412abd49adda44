"""Contacts: the CSV import (command and page), the contacts page and its search, and the
Click2Call endpoints against the simulator: permissions, CSRF, every error, double clicks, the
log."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import AsyncClient

from realtime.simulator.model import SimAgent
from realtime.store import StateStore
from tests.helpers import calls, signed_in
from wallboard.agents.onboarding import create_agent
from wallboard.contacts.importing import import_csv
from wallboard.contacts.models import CallRequest, Contact, PhoneNumber
from wallboard.core import limits
from wallboard.reports.models import CallRecord as StoredRecord

GOOD = """name,phone,company,mobile,notes
Dana Cohen,03-555-1234,Cohen Logistics,050-723-4567,Prefers mornings
Bad Number,050-123,Nowhere,,
,052-276-6772,No Name,,
Noa Peretz,+44 20 7946 0958,Peretz UK,,
No Phone,,Empty,,
"""


def test_a_csv_imports_good_rows_and_reports_bad_ones_by_line(db):
    report = import_csv(io.StringIO(GOOD), "IL")
    assert (report.created, report.updated) == (2, 0)
    assert report.skipped == [
        "line 3: \u2068Bad Number\u2069: none of its numbers can be imported",
        "line 4: no name",
        "line 6: No Phone: no phone number",
    ]
    assert report.left_out == [
        "line 3, column “\u2068phone\u2069”: '050-123' is not a valid phone number"
    ]
    dana = Contact.objects.get(name="Dana Cohen")
    assert dana.company == "Cohen Logistics"
    assert dana.notes == "Prefers mornings"
    assert sorted((n.label, n.number) for n in dana.numbers.all()) == [
        ("", "+97235551234"),
        ("mobile", "+972507234567"),
    ]


def test_importing_again_updates_instead_of_duplicating(db):
    import_csv(io.StringIO(GOOD), "IL")
    again = import_csv(
        io.StringIO("name,phone,company\ndana cohen,054-611-2233,COHEN LOGISTICS\n"), "IL"
    )
    assert (again.created, again.updated) == (0, 1)
    assert Contact.objects.filter(name__iexact="dana cohen").count() == 1
    assert Contact.objects.get(name="Dana Cohen").numbers.count() == 3


def test_a_premium_rate_or_satellite_number_is_not_imported(db):
    text = "name,phone\nDana,050-723-4567\nSex line,1-900-72-12-34\nShip,+881 612 345678\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.created == 1
    assert report.left_out[0].startswith(
        "line 3, column “\u2068phone\u2069”: 1-900-721-234: the wallboard does not call numbers"
        " of this kind (premium-rate)"
    )
    assert (
        "line 4, column “\u2068phone\u2069”: +881 6 123 45678 is a satellite" in report.left_out[1]
    )
    assert [line.split(":")[0] for line in report.skipped] == ["line 3", "line 4"]


def test_the_admin_refuses_to_save_a_number_the_policy_refuses(db):
    from wallboard.contacts.admin import PhoneNumberForm

    form = PhoneNumberForm({"label": "", "number": "+44 909 123 4567"})
    assert not form.is_valid()
    assert "(premium-rate)" in form.errors["number"][0]
    assert PhoneNumberForm({"label": "", "number": "+33 6 12 34 56 78"}).is_valid()


def test_the_admin_saves_a_star_number_with_its_star(db):
    from wallboard.contacts.admin import PhoneNumberForm

    form = PhoneNumberForm({"label": "", "number": "*2700"})
    assert form.is_valid()
    assert form.cleaned_data["number"] == "*2700"


def test_a_star_number_is_refused_in_words_where_israel_is_not_home(db, settings):
    from wallboard.contacts.admin import PhoneNumberForm

    settings.CONTACTS_DIAL_COUNTRIES = ["US"]
    form = PhoneNumberForm({"label": "", "number": "*2700"})
    assert not form.is_valid()
    assert str(form.errors["number"][0]).startswith("*2700 is in Israel, a number of a kind")


def test_the_import_contacts_command_prints_its_report(db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_contacts", str(path), stdout=out)
    assert "contacts: 2 created, 0 updated, 3 rows skipped" in out.getvalue()
    assert "line 3:" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), ("phone,company\n050\n", "'name'"), ("name,company\nA,B\n", "phone")],
)
def test_a_file_without_the_needed_columns_is_refused(db, tmp_path, text, words):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(CommandError, match=words):
        call_command("import_contacts", str(path))


def test_the_import_page_is_for_supervisors(db, client):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    assert client.get("/contacts/import").status_code == 403


@pytest.mark.django_db(transaction=True)  # the import runs in a thread of its own
def test_a_supervisor_imports_a_csv_from_the_page(client):
    signed_in(client, "boss", supervisor=True)
    upload = SimpleUploadedFile("c.csv", GOOD.encode("utf-8-sig"), content_type="text/csv")
    page = client.post("/contacts/import", {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>2</strong> created" in html
    assert "line 3: \u2068Bad Number\u2069: none of its numbers can be imported" in html
    assert "<strong>1</strong> number not imported:" in html
    assert "“\u2068phone\u2069”: &#x27;050-123&#x27; is not a valid phone number" in html


def test_the_contacts_page_searches_by_name_company_and_number(db, client):
    import_csv(io.StringIO(GOOD), "IL")
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    for query in ("dana", "logistics", "050-723", "+972507234567", "0507234567"):
        html = client.get("/contacts/", {"q": query}).content.decode()
        assert "Dana Cohen" in html, query
        assert "Noa Peretz" not in html, query
    html = client.get("/contacts/").content.decode()
    assert "Dana Cohen" in html
    assert "Noa Peretz" in html
    assert 'aria-label="Call Dana Cohen, mobile 050-723-4567"' in html


def test_a_contacts_name_is_text_not_html(db, client):
    contact = Contact.objects.create(name="<img src=x onerror=alert(1)>", company="<b>x</b>")
    PhoneNumber.objects.create(contact=contact, number="+972507234567")
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    html = client.get("/contacts/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>x</b>" not in html


def test_without_an_extension_the_call_buttons_are_off_and_say_why(db, client):
    import_csv(io.StringIO(GOOD), "IL")
    signed_in(client, "boss", supervisor=True)
    html = client.get("/contacts/").content.decode()
    assert "You have no extension" in html
    assert " disabled aria-label=" in html


def asked(username: str, **fields: object) -> CallRequest:
    """A Click2Call call in the log, as ``POST /contacts/call`` writes it once answered."""
    contact = Contact.objects.get_or_create(name="Dana Cohen")[0]
    entry = {"actor": User.objects.get(username=username), "actor_name": username,
             "extension": "SIP1", "action": "call", "contact": contact,
             "target": "+972507234567", "ok": True, "reason": "ok", "message": "",
             "call_id": "C-1", **fields}  # fmt: skip
    return CallRequest.objects.create(**entry)


def call_on_the_page(client) -> Any:
    return client.get("/contacts/").context["config"]["call"]


def test_the_contacts_page_carries_the_call_its_person_placed_last(db, client):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    asked("alice", call_id="C-1", target="+97235551234")
    entry = asked("alice", call_id="C-2")
    asked("alice", action="hang up", target="", call_id="")  # (a hang-up is no call)
    remembered = call_on_the_page(client)
    assert remembered["age_s"] < 60
    del remembered["age_s"]
    assert remembered == {
        "call_id": "C-2", "contact": entry.contact_id, "name": "Dana Cohen",
        "dial": "0507234567",  # as Voicenter was asked, as the page's row has it
    }  # fmt: skip


def test_a_refusal_after_a_call_does_not_hide_the_call(db, client):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    asked("alice", call_id="C-1")
    asked("alice", ok=False, reason="too_soon", call_id="")  # a second tab's click
    assert call_on_the_page(client)["call_id"] == "C-1"


def test_a_call_voicenter_has_not_answered_yet_is_carried_without_its_callid(db, client):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    asked("alice", ok=False, reason="asked", call_id="")
    assert call_on_the_page(client)["call_id"] == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"ok": False, "reason": "offline", "call_id": ""},  # it never started
        {"extension": "SIP9"},  # from an extension no longer theirs
    ],
)
def test_the_page_carries_no_call_that_did_not_start_or_is_not_from_their_extension(
    db, client, fields
):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    asked("alice", **fields)
    assert call_on_the_page(client) is None


def test_the_page_carries_no_call_older_than_any_call_lasts(db, client):
    from wallboard.contacts.views import CALL_REMEMBERED

    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    entry = asked("alice")
    long_ago = entry.at - CALL_REMEMBERED - timedelta(minutes=1)
    CallRequest.objects.filter(pk=entry.pk).update(at=long_ago)
    assert call_on_the_page(client) is None


def test_the_page_carries_no_call_of_another_person(db, client):
    create_agent("bob", password="pw-123456", voicenter_user_id="2", extension="SIP2")
    asked("bob", extension="SIP1")  # before SIP1 was alice's
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    assert call_on_the_page(client) is None


# --- "Add contact" from the screen-pop ----------------------------------------------------------


def number_filled_in(client, phone: str) -> str:
    html = client.get("/admin/contacts/contact/add/", {"phone": phone}).content.decode()
    found = re.search(r'<input[^>]*name="numbers-0-number"[^>]*>', html)
    assert found, "the add form has a first number"
    value = re.search(r'value="([^"]*)"', found[0])
    return value[1] if value else ""


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("0509999999", "050-999-9999"),  # as people read it
        ("972509999999", "050-999-9999"),  # whatever the spelling Voicenter sent
        ("*2700", "*2700"),
        ("<b>1</b>", "&lt;b&gt;1&lt;/b&gt;"),  # not a number: as it came, as text
    ],
)
def test_the_add_form_fills_in_the_number_its_address_gives(db, client, phone, shown):
    signed_in(client, "boss", supervisor=True)
    assert number_filled_in(client, phone) == shown


def test_the_add_form_without_a_number_in_its_address_has_an_empty_one(db, client):
    signed_in(client, "boss", supervisor=True)
    assert number_filled_in(client, "") == ""


def test_a_contact_saved_with_the_filled_in_number_unchanged_keeps_it(db, client):
    signed_in(client, "boss", supervisor=True)
    form = {
        "name": "New caller", "company": "", "notes": "",
        "numbers-TOTAL_FORMS": "1", "numbers-INITIAL_FORMS": "0",
        "numbers-MIN_NUM_FORMS": "0", "numbers-MAX_NUM_FORMS": "1000",
        "numbers-0-label": "", "numbers-0-number": "050-999-9999",
    }  # fmt: skip
    response = client.post("/admin/contacts/contact/add/?phone=0509999999", form)
    assert response.status_code == 302
    saved = PhoneNumber.objects.filter(contact__name="New caller")
    assert list(saved.values_list("number", flat=True)) == ["+972509999999"]


def test_only_who_may_add_contacts_gets_the_pops_add_contact_link(db, client):
    signed_in(client, "boss", supervisor=True, voicenter_user_id="2", extension="SIP2")
    for page in ("/contacts/", "/"):  # the contacts page and the board both pop
        assert client.get(page).context["config"]["add_contact_url"] == (
            "/admin/contacts/contact/add/"
        )
    client.logout()
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    for page in ("/contacts/", "/"):
        assert client.get(page).context["config"]["add_contact_url"] == ""


# --- Click2Call endpoints ----------------------------------------------------------------------


@pytest.fixture
def sim(click2call_sim):
    return click2call_sim


@pytest.fixture
async def number():
    contact = await Contact.objects.acreate(name="Dana Cohen")
    return await PhoneNumber.objects.acreate(
        contact=contact, label="mobile", number="+972507234567"
    )


async def agent_client(
    sim, *, logged_in: bool = True, csrf: bool = False
) -> tuple[AsyncClient, SimAgent]:
    me = next(iter(sim.model.agents.values()))
    me.status = 1 if logged_in else 2
    await sync_to_async(create_agent)(
        "alice", password="pw-123456", voicenter_user_id=str(me.user_id), extension=me.ext
    )
    client = AsyncClient(enforce_csrf_checks=csrf)
    await client.aforce_login(await User.objects.aget(username="alice"))
    return client, me


async def log() -> list[CallRequest]:
    return [r async for r in CallRequest.objects.order_by("at")]


@calls
async def test_call_rings_the_agents_extension_then_the_contacts_number(sim, number):
    client, me = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": number.pk})
    body = response.json()
    assert response.status_code == 200
    assert body["ok"]
    assert body["call_id"]
    [call] = me.calls
    assert (call.ivrid, call.direction, call.leg, call.phone) == (
        body["call_id"],
        "Click2Call",
        1,
        "0507234567",
    )
    [entry] = await log()
    assert (entry.action, entry.target, entry.call_id, entry.ok) == (
        "call",
        "+972507234567",
        body["call_id"],
        True,
    )
    [asked] = sim.click2call_requests  # tagged for Voicenter's records of the call
    assert (asked["var_contact"], asked["var_user"]) == (str(number.contact_id), "alice")
    hung = await client.post("/contacts/hangup")
    assert hung.status_code == 200
    assert hung.json()["message"] == "Hung up."
    assert me.calls == []


@calls
@pytest.mark.parametrize("tagged", [True, False], ids=["by-tag", "by-call-id"])
async def test_a_calls_records_link_to_the_contact_it_was_placed_to_without_its_number(
    sim, number, tagged
):
    from realtime.voicenter.cdr import parse
    from wallboard.reports.records import store

    client, _ = await agent_client(sim)
    body = (await client.post("/contacts/call", {"number": number.pk})).json()
    assert (await client.post("/contacts/hangup")).status_code == 200
    records = [r for r in sim.model.drain_cdrs() if r["ivruniqueid"] == body["call_id"]]
    assert [r["type"] for r in records] == ["Click2Call leg1", "Click2Call leg2"]
    stranger = dict(records[1], ivruniqueid="another-call", target="972507234567")
    stranger.pop("CustomData")
    for record in [*records, stranger]:
        if not tagged:  # where Voicenter puts the tags is not documented: the call id links
            record.pop("CustomData", None)
        await sync_to_async(store)(parse(json.dumps(record).encode())[0], "push")
    linked = {
        r.call_id: r.contact_id async for r in StoredRecord.objects.filter(type__contains="leg")
    }
    # both legs of the call placed to the contact, not a call to the same number from elsewhere
    assert linked == {body["call_id"]: number.contact_id, "another-call": None}


@calls
async def test_a_double_click_dials_once(sim, number, settings):
    settings.CONTACTS_CALL_EVERY_S = 0.1  # shorter than Voicenter takes: the lock must hold
    sim.rest_delay_s = 0.5
    client, me = await agent_client(sim)
    first, second = await asyncio.gather(
        client.post("/contacts/call", {"number": number.pk}),
        client.post("/contacts/call", {"number": number.pk}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 429]
    assert len(me.calls) == 1


@calls
async def test_after_a_timeout_the_lock_stays_since_the_call_may_still_start(sim, number, settings):
    sim.rest_delay_s = 1
    settings.VOICENTER_API_TIMEOUT_S = 0.2
    client, _ = await agent_client(sim)
    first = await client.post("/contacts/call", {"number": number.pk})
    assert first.status_code == 502
    assert "may still start" in first.json()["message"]
    again = await client.post("/contacts/call", {"number": number.pk})
    assert again.status_code == 429


@calls
async def test_a_click2call_answer_quoting_the_api_code_reaches_nobody(sim, number):
    sim.rest_echo_code = True
    client, _ = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 502
    assert "demo-code" not in response.content.decode()
    [entry] = await log()
    assert "demo-code" not in entry.message + entry.voicenter_said
    assert "[API code]" in entry.voicenter_said


@calls
async def test_hang_ups_are_rate_limited_and_a_flood_is_logged_once(sim, monkeypatch):
    monkeypatch.setattr(limits, "RATE_WINDOW_S", 60)
    client, _ = await agent_client(sim)
    codes = [(await client.post("/contacts/hangup", {"x": "1"})).status_code for _ in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    assert [r.reason for r in await log()] == ["ok", "ok", "ok", "too_many"]


@calls
async def test_an_offline_extension_is_told_to_sign_in_to_its_phone(sim, number):
    client, _ = await agent_client(sim, logged_in=False)
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 502
    assert "Your extension is offline" in response.json()["message"]
    again = await client.post("/contacts/call", {"number": number.pk})  # a failure frees it
    assert again.status_code == 502
    assert [r.reason for r in await log()] == ["offline", "offline"]


@calls
async def test_a_blocked_extension_is_explained(sim, number):
    sim.click2call_blocked = True
    client, _ = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 502
    assert "may not make Click2Call" in response.json()["message"]


@calls
async def test_a_slow_voicenter_is_a_timeout_message_without_the_code(sim, number, settings):
    sim.rest_delay_s = 2
    settings.VOICENTER_API_TIMEOUT_S = 0.3
    client, _ = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 502
    assert "within 0.3 s" in response.json()["message"]
    assert "demo-code" not in response.content.decode()


@calls
async def test_someone_without_an_extension_cannot_call(sim, number):
    await sync_to_async(create_agent)("boss", password="pw-123456", supervisor=True)
    client = AsyncClient()
    await client.aforce_login(await User.objects.aget(username="boss"))
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 403
    assert "no extension" in response.json()["message"]
    assert [r.reason for r in await log()] == ["no_extension"]


@calls
async def test_someone_in_no_group_cannot_call_even_with_an_agent_profile(
    sim, number, roles_and_statuses
):
    # the rule of every command is the role (status changes refuse the same person)
    client, me = await agent_client(sim)
    alice = await User.objects.aget(username="alice")
    await sync_to_async(alice.groups.clear)()
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 403
    assert "Only agents and supervisors" in response.json()["message"]
    assert me.calls == []
    assert [r.reason for r in await log()] == ["forbidden"]
    hang_up = await client.post("/contacts/hangup")
    assert hang_up.status_code == 403
    status = await client.post("/agents/status", {"extension": me.ext, "status": "3"})
    assert status.status_code == 403


@calls
async def test_a_number_the_policy_refuses_is_never_dialled(sim, settings):
    contact = await Contact.objects.acreate(name="Old import")
    premium = await PhoneNumber.objects.acreate(contact=contact, number="+449091234567")
    client, me = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": premium.pk})
    assert response.status_code == 403
    assert "(premium-rate)" in response.json()["message"]
    assert me.calls == []
    assert [r.reason for r in await log()] == ["not_dialled"]
    settings.CONTACTS_DIAL_REFUSED = []  # an account that allows them: the settings decide
    settings.CONTACTS_DIAL_ABROAD = ["premium_rate"]
    response = await client.post("/contacts/call", {"number": premium.pk})
    assert response.status_code != 403


@calls
async def test_without_a_csrf_token_nothing_is_dialled(sim, number):
    client, me = await agent_client(sim, csrf=True)
    response = await client.post("/contacts/call", {"number": number.pk})
    assert response.status_code == 403
    assert me.calls == []


@calls
@pytest.mark.parametrize(
    ("value", "status"), [("", 400), ("abc", 400), ("²", 400), ("999999", 404)]
)
async def test_a_wrong_number_field_is_refused(sim, value, status):
    client, me = await agent_client(sim)
    response = await client.post("/contacts/call", {"number": value})
    assert response.status_code == status
    assert me.calls == []


@calls
async def test_a_stranger_is_told_to_sign_in(sim, number):
    response = await AsyncClient().post("/contacts/call", {"number": number.pk})
    assert response.status_code == 401


@calls
async def test_refusals_and_calls_are_counted(sim, number, aredis, use_prefix):
    client, _ = await agent_client(sim)
    await client.post("/contacts/call", {"number": number.pk})
    await client.post("/contacts/call", {"number": number.pk})
    stats = await StateStore(aredis, use_prefix).stats()
    assert stats["click2call:ok"] == 1
    assert stats["click2call:too_soon"] == 1


# --- screen-pop and Voicenter's Pop-up screen ---------------------------------------------------


@pytest.mark.parametrize("phone", ["0507234567", "972507234567", "+972-50-723-4567"])
def test_lookup_finds_the_contact_whatever_the_numbers_spelling(db, client, phone):
    import_csv(io.StringIO(GOOD), "IL")
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    body = client.get("/contacts/lookup", {"phone": phone}).json()
    dana = Contact.objects.get(name="Dana Cohen")
    assert body == {
        "found": True, "name": "Dana Cohen", "company": "Cohen Logistics",
        "notes": "Prefers mornings", "url": f"/contacts/{dana.pk}/", "total": 1,
    }  # fmt: skip
    assert client.get(body["url"]).status_code == 200


@pytest.mark.parametrize("phone", ["0509999999", "", "anonymous", "1" * 60])
def test_lookup_of_an_unknown_or_odd_number_finds_nothing(db, client, phone):
    import_csv(io.StringIO(GOOD), "IL")
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    assert client.get("/contacts/lookup", {"phone": phone}).json() == {"found": False}


def test_lookup_needs_a_signed_in_user(db, client):
    assert client.get("/contacts/lookup", {"phone": "0507234567"}).status_code == 302


def test_an_unknown_contact_page_is_a_404(db, client):
    signed_in(client, "alice", voicenter_user_id="1", extension="SIP1")
    assert client.get("/contacts/999999/").status_code == 404


def test_voicenters_popup_gets_its_format_from_our_contacts(db, client, settings):
    settings.CONTACTS_POPUP_SECRET = "s3cret-popup-path"
    import_csv(io.StringIO(GOOD), "IL")
    dana = Contact.objects.get(name="Dana Cohen")
    body = client.get("/contacts/popup/s3cret-popup-path/", {"phone": "035551234"}).json()
    assert body == {
        "STATUS": "OK", "URL": f"http://testserver/contacts/{dana.pk}/",
        "CLIENTNAME": "Dana Cohen", "TOTAL": "1", "COMPANY": "Cohen Logistics",
    }  # fmt: skip
    missing = client.get("/contacts/popup/s3cret-popup-path/", {"phone": "0509999999"}).json()
    # no contact is no error: Voicenter reads any STATUS but "OK" as an error on our side
    assert missing == {"STATUS": "OK", "URL": "", "CLIENTNAME": "", "TOTAL": "0", "COMPANY": ""}


POPUP = "/contacts/popup/s3cret-popup-path/"


@pytest.fixture
def popup_contacts(db, settings):
    settings.CONTACTS_POPUP_SECRET = "s3cret-popup-path"
    import_csv(io.StringIO(GOOD), "IL")


def test_voicenters_popup_answers_a_post_of_json_or_a_form_without_csrf(popup_contacts):
    from django.test import Client

    extension = Client(enforce_csrf_checks=True)  # no cookie, no token: a browser extension
    ringing = {
        "phone": "97235551234", "callerName": "Dana", "ivrid": "2022091610354602", "did": "",
        "extenUser": "SIPSIP1", "status": "Ringing", "direction": "Incoming",
    }  # fmt: skip
    answer = extension.post(POPUP, ringing, content_type="application/json")
    assert answer.status_code == 200
    assert (answer.json()["STATUS"], answer.json()["CLIENTNAME"]) == ("OK", "Dana Cohen")
    assert answer["Access-Control-Allow-Origin"] == "*"
    form = extension.post(POPUP, {"phone": "035551234", "ivrid": "x", "status": "Ringing"})
    assert form.json()["CLIENTNAME"] == "Dana Cohen"
    unknown = extension.post(
        POPUP, {**ringing, "phone": 509999999}, content_type="application/json"
    )
    assert (unknown.json()["STATUS"], unknown.json()["TOTAL"]) == ("OK", "0")


def test_voicenters_popup_answers_a_browser_extensions_preflight(popup_contacts, client):
    answer = client.options(
        POPUP,
        headers={
            "Origin": "chrome-extension://abcdefghijklmnop",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert answer.status_code == 204
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "POST" in answer["Access-Control-Allow-Methods"]
    assert answer["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Access-Control-Allow-Credentials" not in answer  # the secret path is the credential
    assert client.options("/contacts/popup/wrong/").status_code == 404


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_a_popup_request_whose_body_cannot_be_read_is_a_logged_400(
    popup_contacts, client, body, caplog
):
    answer = client.post(POPUP, body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["STATUS"] == "ERROR"
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "cannot read" in caplog.text


@pytest.mark.parametrize(("configured", "asked"), [("s3cret", "wrong"), ("", "anything")])
def test_voicenters_popup_without_the_right_secret_is_a_404(
    db, client, settings, configured, asked
):
    settings.CONTACTS_POPUP_SECRET = configured
    assert client.get(f"/contacts/popup/{asked}/", {"phone": "035551234"}).status_code == 404


def test_a_big_import_costs_a_few_queries_not_a_few_per_row(db, django_assert_max_num_queries):
    rows = "".join(f"Person {i},050-723-{i:04d},Firm {i % 7}\n" for i in range(300))
    with django_assert_max_num_queries(12):
        report = import_csv(io.StringIO("name,phone,company\n" + rows), "IL")
    assert (report.created, report.updated, report.skipped) == (300, 0, [])
    assert PhoneNumber.objects.count() == 300


def test_the_popup_secret_and_the_callers_number_stay_out_of_the_logs():
    import logging

    from wallboard.core.logs import RedactSecrets

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "GET %s HTTP/1.1" %d',
        ("1.2.3.4", "/contacts/popup/s3cret-path/?phone=0507234567", 200), None,
    )  # fmt: skip
    assert RedactSecrets().filter(record)
    message = record.getMessage()
    assert "s3cret-path" not in message
    assert "0507234567" not in message
    assert "/contacts/popup/[redacted]" in message
    assert "1.2.3.4" in message


def test_voicenters_documented_popup_request_gets_the_documented_answers_shape(db, settings):
    from urllib.parse import parse_qs, urlsplit

    from django.test import Client

    settings.CONTACTS_POPUP_SECRET = "s3cret-popup-path"
    fixtures = Path(__file__).parent / "fixtures" / "popup"
    asked = urlsplit((fixtures / "request.txt").read_text().strip())
    documented = json.loads((fixtures / "answer.json").read_text())
    voicenter = Contact.objects.create(name="John Doe", company="Voicenter")
    PhoneNumber.objects.create(contact=voicenter, number="+972722776772")
    answer = Client(enforce_csrf_checks=True).get(POPUP, parse_qs(asked.query))
    body = answer.json()
    assert set(body) == set(documented)
    assert all(isinstance(value, str) for value in body.values())  # "TOTAL": "1", a string
    assert (body["STATUS"], body["CLIENTNAME"], body["TOTAL"], body["COMPANY"]) == (
        documented["STATUS"], documented["CLIENTNAME"], documented["TOTAL"], documented["COMPANY"]
    )  # fmt: skip
    assert body["URL"].endswith(f"/contacts/{voicenter.pk}/")
