"""Log in to the staff pages as a person would: fetch the form, post it."""
import re

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def logged_in(base_url: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/staff/login")
    response = client.post("/staff/login", data={
        "email": email, "password": password, "next": "/staff", "csrf_token": csrf_token(form.text)})
    assert response.status_code == 303, response.text[:500]
    return client
