"""Is this request really from Twilio? (X-Twilio-Signature)

Twilio signs each webhook with the account's auth token over the exact
URL it posted to plus the form fields. Behind a proxy the api sees its own
host and scheme, not that URL, so the URL is rebuilt from PUBLIC_BASE_URL
(the public address, up to the api's root) and the request's path and
query. The check itself is the official library's RequestValidator.
"""

from collections.abc import Mapping

from twilio.request_validator import (SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, RequestValidator,
                                      get_signature_algorithm)


def public_url(public_base_url: str, path: str, query: str = "") -> str:
    """The URL Twilio posted to: PUBLIC_BASE_URL + the path (+ ?query)."""
    url = public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_problem(auth_token: str, public_base_url: str, path: str, query: str,
                      form: Mapping, headers: Mapping) -> str | None:
    """None if the request is signed by Twilio; else a short reason for the
    log (never anything from the request itself)."""
    if not auth_token or not public_base_url:
        return "twilio_not_set_up"
    signature = headers.get(SIGNATURE_HEADER)
    if not signature:
        return "missing_signature"
    algorithm = get_signature_algorithm(headers.get(SIGNATURE_SETTINGS_HEADER))
    url = public_url(public_base_url, path, query)
    try:
        valid = RequestValidator(auth_token).validate(url, form, signature, algorithm=algorithm)
    except Exception:  # noqa: BLE001 - an algorithm or header the library cannot use is a forgery to us
        return "bad_signature"
    return None if valid else "bad_signature"
