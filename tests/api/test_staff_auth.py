"""Staff sign in, roles, sessions, CSRF and redirects, as a browser would see them."""

import hashlib
import re
import secrets
import time

import pytest
from sqlalchemy import select

from api.staff.audit import AuditEvent
from api.staff.auth import keyed_email_hash, safe_next
from api.staff.models import StaffUser
from api.staff.passwords import hash_password

PASSWORD = "correct horse battery staple"


def make_staff(session_factory, role: str, password: str = PASSWORD, **fields) -> StaffUser:
    """A committed staff account with a fresh email."""
    with session_factory() as session, session.begin():
        staff = StaffUser(email=f"{role}-{secrets.token_hex(4)}@fernbridge.example", name=f"Test {role}",
                          role=role, password_hash=hash_password(password), **fields)
        session.add(staff)
    return staff


def hidden_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def login(client, email: str, password: str = PASSWORD, next_path: str = ""):
    """Sign in as a browser does: fetch the form (and its token), then post it."""
    form = client.get("/staff/login")
    return client.post("/staff/login", data={"email": email, "password": password, "next": next_path,
                                             "csrf_token": hidden_token(form.text)}, follow_redirects=False)


def signed_in(make_client, session_factory, role: str, **overrides):
    client = make_client(**overrides)
    staff = make_staff(session_factory, role)
    assert login(client, staff.email).status_code == 303
    return client, staff


def session_token(client) -> str:
    return hidden_token(client.get("/staff").text)


# --- who may see what ---

PAGES = [("/staff", ("front_door", "worker", "comms", "admin")), ("/staff/audit", ("admin",))]


@pytest.mark.parametrize("path", [path for path, _ in PAGES])
def test_pages_send_a_stranger_to_sign_in_and_back(make_client, path):
    response = make_client().get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/login?next={path}"


@pytest.mark.parametrize("path,roles", PAGES)
@pytest.mark.parametrize("role", ["front_door", "worker", "comms", "admin"])
def test_pages_open_only_for_their_roles(make_client, session_factory, path, roles, role):
    client, _ = signed_in(make_client, session_factory, role)
    response = client.get(path, follow_redirects=False)
    if role in roles:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "You cannot do this" in response.text and "govuk-template" in response.text


def test_home_offers_each_role_only_its_own_pages(make_client, session_factory):
    admin, _ = signed_in(make_client, session_factory, "admin")
    comms, _ = signed_in(make_client, session_factory, "comms")
    worker, _ = signed_in(make_client, session_factory, "worker")
    assert 'href="/staff/audit"' in admin.get("/staff").text
    assert 'href="/staff/audit"' not in worker.get("/staff").text
    assert 'href="/staff/queue"' in worker.get("/staff").text
    assert 'href="/staff/queue"' not in comms.get("/staff").text


def test_staff_pages_carry_security_headers(make_client, session_factory):
    client, _ = signed_in(make_client, session_factory, "admin")
    for response in (client.get("/staff"), client.get("/staff/login"),
                     make_client().get("/staff/audit", follow_redirects=False)):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert 'lang="en"' in client.get("/staff").text


def test_govuk_assets_are_served(make_client):
    client = make_client()
    css = client.get("/staff/assets/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and ".govuk-header" in css.text
    assert client.get("/staff/assets/govuk/govuk-frontend.min.js").status_code == 200
    assert client.get("/staff/assets/staff.js").status_code == 200


# --- signing in ---

def test_right_password_signs_in_and_shows_the_name(make_client, session_factory):
    client, staff = signed_in(make_client, session_factory, "worker")
    page = client.get("/staff")
    assert page.status_code == 200 and staff.name in page.text and "Sign out" in page.text


def test_wrong_password_and_unknown_email_look_the_same(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    wrong_password = login(client, staff.email, "not the password")
    unknown_email = login(client, "nobody@fernbridge.example", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert "The email or password is wrong" in response.text
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_email_is_not_case_sensitive(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    assert login(client, "  " + staff.email.upper()).status_code == 303


def test_inactive_account_cannot_sign_in_and_loses_its_session(make_client, session_factory):
    client, staff = signed_in(make_client, session_factory, "worker")
    with session_factory() as session, session.begin():
        session.get(StaffUser, staff.id).active = False
    assert client.get("/staff", follow_redirects=False).status_code == 303
    assert login(make_client(), staff.email).status_code == 400


def test_repeated_failures_lock_the_email_out(make_client, session_factory):
    client = make_client(staff_login_attempts=3)
    staff, other = make_staff(session_factory, "worker"), make_staff(session_factory, "worker")
    for _ in range(3):
        assert login(client, staff.email, "wrong").status_code == 400
    locked = login(client, staff.email)  # even the right password
    assert locked.status_code == 429 and "Wait 10 minutes" in locked.text
    assert client.get("/staff", follow_redirects=False).status_code == 303
    assert login(client, other.email).status_code == 303


def test_one_address_trying_many_emails_is_locked_out_too(make_client, session_factory, test_redis):
    client = make_client(staff_login_attempts=3, staff_login_attempts_per_address=4)
    staff = make_staff(session_factory, "worker")
    for guess in range(4):  # a different email each time: no one email reaches its limit
        assert login(client, f"guess{guess}@fernbridge.example", "wrong").status_code == 400
    locked = login(client, staff.email)
    assert locked.status_code == 429 and "Wait 10 minutes" in locked.text
    assert not any("testclient" in key for key in test_redis.keys("staff:login-failures:*"))  # no address kept


def test_a_burst_of_guesses_at_once_cannot_slip_under_the_limit(make_client, session_factory):
    from concurrent.futures import ThreadPoolExecutor

    clients = [make_client(staff_login_attempts=3) for _ in range(8)]  # eight browsers at once
    staff = make_staff(session_factory, "worker")
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda client: login(client, staff.email, "wrong").status_code, clients))
    assert codes.count(400) == 3 and codes.count(429) == 5


def test_lockout_lasts_ten_minutes_by_default(make_client, session_factory, test_redis):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    login(client, staff.email, "wrong")
    key = "staff:login-failures:" + keyed_email_hash(client.app.state.settings, staff.email)
    assert not test_redis.keys(f"*{staff.email}*")
    assert 590 <= test_redis.ttl(key) <= 600


def test_a_good_sign_in_clears_the_failures(make_client, session_factory):
    client = make_client(staff_login_attempts=3)
    staff = make_staff(session_factory, "worker")
    login(client, staff.email, "wrong")
    login(client, staff.email, "wrong")
    assert login(client, staff.email).status_code == 303
    client.cookies.clear()
    login(client, staff.email, "wrong")
    login(client, staff.email, "wrong")
    assert login(client, staff.email).status_code == 303


def test_login_form_without_its_token_is_refused(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    client.get("/staff/login")
    for token in ("", "forged"):
        response = client.post("/staff/login", data={"email": staff.email, "password": PASSWORD,
                                                     "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
    assert client.get("/staff", follow_redirects=False).status_code == 303


# --- where to go after signing in ---

@pytest.mark.parametrize("next_path", ["//evil.example/staff", "https://evil.example/staff", "/\\evil.example",
                                       "/chat", "staff", "/staff/login?next=//evil.example", "/staff\r\nX: y"])
def test_sign_in_never_sends_anyone_off_the_staff_pages(make_client, session_factory, next_path):
    client = make_client()
    staff = make_staff(session_factory, "admin")
    response = login(client, staff.email, next_path=next_path)
    assert response.status_code == 303 and response.headers["location"] == "/staff"


def test_sign_in_returns_to_the_page_asked_for(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "admin")
    first = client.get("/staff/audit?page=1&subject_type=staff_user", follow_redirects=False)
    next_path = first.headers["location"].split("next=", 1)[1]
    form = client.get(first.headers["location"])
    assert 'name="next" value="/staff/audit?page=1&amp;subject_type=staff_user"' in form.text
    response = login(client, staff.email, next_path="/staff/audit?page=1&subject_type=staff_user")
    assert response.headers["location"] == "/staff/audit?page=1&subject_type=staff_user"
    assert next_path.startswith("/staff/audit")


def test_safe_next_keeps_only_local_staff_paths():
    assert safe_next("/staff/queue/12?tab=notes") == "/staff/queue/12?tab=notes"
    assert safe_next("/staffroom") == "/staff"
    assert safe_next("http:/staff") == "/staff"
    assert safe_next(None) == "/staff"


# --- sessions ---

def test_session_cookie_is_http_only_and_lax(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    cookie = login(client, staff.email).headers["set-cookie"]
    assert "fh_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie
    secure = make_client(secure_cookies=True)
    secure.base_url = "https://testserver"  # a Secure cookie only comes back over https
    assert "Secure" in login(secure, staff.email).headers["set-cookie"]


def test_session_ends_after_the_idle_time(make_client, session_factory):
    client, _ = signed_in(make_client, session_factory, "worker", staff_session_idle_seconds=1)
    assert client.get("/staff", follow_redirects=False).status_code == 200
    time.sleep(1.6)
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_each_request_pushes_the_idle_time_back(make_client, session_factory, test_redis):
    client, _ = signed_in(make_client, session_factory, "worker", staff_session_idle_seconds=100)
    cookie = client.cookies.get("fh_staff")
    key = "staff:session:" + hashlib.sha256(cookie.encode()).hexdigest()  # Redis holds a hash, not the cookie
    assert not test_redis.keys(f"*{cookie}*")
    test_redis.expire(key, 5)
    client.get("/staff")
    assert test_redis.ttl(key) > 90


def test_sign_out_ends_the_session_even_for_a_copied_cookie(make_client, session_factory):
    client, _ = signed_in(make_client, session_factory, "worker")
    old_cookie = client.cookies.get("fh_staff")
    response = client.post("/staff/logout", data={"csrf_token": session_token(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    copy = make_client()
    copy.cookies.set("fh_staff", old_cookie, path="/staff")
    assert copy.get("/staff", follow_redirects=False).status_code == 303


def test_sign_out_without_the_csrf_token_is_refused(make_client, session_factory):
    client, _ = signed_in(make_client, session_factory, "worker")
    for data in ({}, {"csrf_token": "wrong"}):
        assert client.post("/staff/logout", data=data, follow_redirects=False).status_code == 403
    assert client.get("/staff", follow_redirects=False).status_code == 200


def test_csrf_token_may_come_in_a_header(make_client, session_factory):
    client, _ = signed_in(make_client, session_factory, "worker")
    token = session_token(client)
    assert client.post("/staff/logout", headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303


def test_another_sessions_token_does_not_work(make_client, session_factory):
    first, _ = signed_in(make_client, session_factory, "worker")
    second, _ = signed_in(make_client, session_factory, "worker")
    response = second.post("/staff/logout", data={"csrf_token": session_token(first)}, follow_redirects=False)
    assert response.status_code == 403


def test_signing_in_again_replaces_the_old_session(make_client, session_factory):
    client, staff = signed_in(make_client, session_factory, "worker")
    old_cookie = client.cookies.get("fh_staff")
    fresh = make_client()
    form = fresh.get("/staff/login")
    cookies = f"fh_staff={old_cookie}; fh_staff_login={fresh.cookies.get('fh_staff_login')}"
    again = make_client().post("/staff/login", headers={"Cookie": cookies}, follow_redirects=False, data={
        "email": staff.email, "password": PASSWORD, "csrf_token": hidden_token(form.text)})
    assert again.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_sign_in_and_out_are_audited_without_personal_data(make_client, session_factory):
    client = make_client()
    staff = make_staff(session_factory, "worker")
    login(client, staff.email, "a wrong password")
    login(client, staff.email)
    client.post("/staff/logout", data={"csrf_token": session_token(client)})
    with session_factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()
    assert [e.action for e in reversed(events)] == ["login_failed", "login", "logout"]
    failed, signed_in_event, signed_out = reversed(events)
    assert failed.staff_id is None and signed_in_event.staff_id == staff.id == signed_out.staff_id
    for event in events:
        text = repr(event.detail)
        assert staff.email not in text and PASSWORD not in text and "a wrong password" not in text
    assert len(failed.detail["email_hash"]) == 32
