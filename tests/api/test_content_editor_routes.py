"""The content editor's pages as browsers use them: who may do what (every
route, every role), publishing that is live at once, hard checks that block,
two editors, rollback and the download."""

import io
import re
import zipfile

import pytest

from api.content.translations import load_shipped_translations
from api.settings import REPO_ROOT
from tests.api.conftest import AUTH
from tests.api.content_editor_helpers import (  # noqa: F401 - fixtures
    CURLY, GOOD_SMS, GOOD_WEB, answer_key, audits, live_text, restore_answer, signed_in, template_key,
)
from tests.api.referral_helpers import encryption_key  # noqa: F401 - fixture

ROLES = ("front_door", "worker", "comms", "admin")
EDITORS = ("comms", "admin")


def read_routes(key: str) -> list[str]:
    return ["/staff/content", f"/staff/content/answers/{key}", f"/staff/content/answers/{key}/history",
            "/staff/content/export", "/staff/unanswered", "/staff/unanswered/training-examples.yml"]


def write_routes(key: str) -> list[tuple[str, dict]]:
    words = {"sms": "New words for the route tests.", "web": GOOD_WEB, "version": "1"}
    return [("/staff/content/check", {}), (f"/staff/content/answers/{key}/preview", words),
            (f"/staff/content/answers/{key}/publish", words),
            (f"/staff/content/answers/{key}/rollback", {"to_version": "1", "version": "2"}),  # after publish
            ("/staff/unanswered/groups/1", {"status": "new_topic"})]


def post(client, path: str, token: str, form: dict):
    if path.endswith("/check"):
        return client.post(path, json={"key": "x", "sms": "a", "web": "b"}, headers={"X-CSRF-Token": token},
                           follow_redirects=False)
    return client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


# --- who may do what ---

@pytest.mark.parametrize("role", ROLES)
def test_every_staff_role_can_read_every_page(signed_in, answer_key, role):
    client, _ = signed_in(role)
    for path in read_routes(answer_key):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, (role, path, response.text[:300])


@pytest.mark.parametrize("role", ("front_door", "worker"))
def test_readers_cannot_change_anything(signed_in, answer_key, session_factory, role):
    client, token = signed_in(role)
    for path, form in write_routes(answer_key):
        response = post(client, path, token, form)
        assert response.status_code == 403, (role, path)
    assert live_text(session_factory, answer_key) == GOOD_SMS


@pytest.mark.parametrize("role", EDITORS)
def test_comms_and_admin_can_use_every_route(signed_in, answer_key, role):
    client, token = signed_in(role)
    statuses = {path: post(client, path, token, form).status_code for path, form in write_routes(answer_key)}
    assert statuses == {
        "/staff/content/check": 404,  # answer "x" does not exist: allowed in, then not found
        f"/staff/content/answers/{answer_key}/preview": 200,
        f"/staff/content/answers/{answer_key}/publish": 303,
        f"/staff/content/answers/{answer_key}/rollback": 303,
        "/staff/unanswered/groups/1": 404,  # no such group here: allowed in, then not found
    }


def test_nobody_signed_in_is_sent_to_sign_in_and_cannot_post(make_client, answer_key, session_factory):
    client = make_client()
    for path in read_routes(answer_key):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login?next="), path
    for path, form in write_routes(answer_key):
        # No session, so no CSRF token can match: refused before anything else.
        assert client.post(path, data=form, follow_redirects=False).status_code == 403, path
    assert live_text(session_factory, answer_key) == GOOD_SMS


@pytest.mark.parametrize("role", EDITORS)
def test_every_change_needs_the_csrf_token(signed_in, answer_key, session_factory, role):
    client, _ = signed_in(role)
    for path, form in write_routes(answer_key):
        assert post(client, path, "wrong-token", form).status_code == 403, path
    assert live_text(session_factory, answer_key) == GOOD_SMS


def test_readers_see_the_words_but_no_way_to_change_them(signed_in, answer_key):
    client, _ = signed_in("worker")
    page = client.get(f"/staff/content/answers/{answer_key}").text
    assert 'id="publish"' not in page and "editor.js" not in page
    assert re.search(r'<textarea[^>]*id="sms"[^>]*readonly', page)
    assert GOOD_SMS in page


# --- publishing ---

def test_published_words_are_what_the_next_family_gets_with_no_restart(signed_in, answer_key, session_factory):
    client, token = signed_in("comms")
    before = client.get(f"/internal/answers/{answer_key}", params={"channel": "sms"}, headers=AUTH)
    assert before.json() == {"messages": [{"text": GOOD_SMS}]}

    response = client.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": "Brand new words, live at once.", "web": "Brand new web words, live at once.", "version": "1",
        "note": "test", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/content/answers/{answer_key}?done=published"

    # The same running app, asked the way the action server asks for the next family.
    for channel, words in (("sms", "Brand new words, live at once."), ("web", "Brand new web words, live at once.")):
        after = client.get(f"/internal/answers/{answer_key}", params={"channel": channel}, headers=AUTH)
        assert after.json() == {"messages": [{"text": words}]}
    page = client.get(response.headers["location"]).text
    assert "Your changes are live" in page and "Version 2" in page
    assert len(audits(session_factory, "answer.published", answer_key)) == 1


def test_a_non_gsm_character_blocks_publishing_and_the_page_says_why(signed_in, answer_key, session_factory):
    client, token = signed_in("comms")
    response = client.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": f"It{CURLY}s free to come along.", "web": GOOD_WEB, "version": "1", "csrf_token": token})
    assert response.status_code == 422
    assert "This answer cannot be published yet" in response.text
    assert "Use &#39; instead." in response.text  # the plain fix, in the error summary
    assert f"It{CURLY}s free to come along." in response.text  # their words are kept in the box
    assert live_text(session_factory, answer_key) == GOOD_SMS


def test_a_second_editor_is_told_the_answer_changed_and_sees_the_difference(make_client, signed_in, answer_key,
                                                                             session_factory):
    first, first_token = signed_in("comms")
    second, second_token = signed_in("admin")
    # Both opened the editor at version 1.
    assert 'name="version" value="1"' in first.get(f"/staff/content/answers/{answer_key}").text
    assert 'name="version" value="1"' in second.get(f"/staff/content/answers/{answer_key}").text

    saved = first.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": "Come along to any hub today.", "web": GOOD_WEB, "version": "1", "csrf_token": first_token},
        follow_redirects=False)
    assert saved.status_code == 303

    late = second.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": "Come along to any hub this week.", "web": GOOD_WEB, "version": "1", "csrf_token": second_token})
    assert late.status_code == 409
    assert "This answer changed while you were editing" in late.text
    diff = re.search(r'id="diff-sms">(.*?)</p>', late.text, re.S).group(1)
    assert "<del>today.</del>" in diff and "<ins>this week.</ins>" in diff
    assert 'name="version" value="2"' in late.text  # publishing again is a choice made after seeing it
    assert "Come along to any hub this week." in late.text  # their words are not lost
    assert live_text(session_factory, answer_key) == "Come along to any hub today."


def test_check_gives_the_problems_figures_and_previews_as_json(signed_in, template_key):
    client, token = signed_in("comms")
    response = client.post("/staff/content/check", headers={"X-CSRF-Token": token}, json={
        "key": template_key, "sms": f"{{hub}} is open. It{CURLY}s free. Call {{phone}}.", "web": "{hub}: {phone}"})
    assert response.status_code == 200
    body = response.json()
    assert body["can_publish"] is False
    assert [p["code"] for p in body["problems"] if p["level"] == "hard"] == ["not_gsm7"]
    assert body["previews"]["sms"] == "Riverside Family Hub is open. It\u2019s free. Call 01632 960001."
    assert body["sms"]["encoding"] == "UCS-2" and body["sms"]["segments"] == 1
    assert body["summary"] == "1 problem must be fixed before publishing."
    assert 'id="hard-problems"' in body["checks_html"] and "Cannot be published yet" in body["checks_html"]


def test_check_refuses_text_that_is_not_a_string(signed_in, answer_key):
    client, token = signed_in("comms")
    response = client.post("/staff/content/check", headers={"X-CSRF-Token": token},
                           json={"key": answer_key, "sms": 5, "web": "x"})
    assert response.status_code == 422


def test_check_and_preview_without_javascript_saves_nothing(signed_in, answer_key, session_factory):
    client, token = signed_in("comms")
    response = client.post(f"/staff/content/answers/{answer_key}/preview", data={
        "sms": "Previewed words only.", "web": GOOD_WEB, "version": "1", "csrf_token": token})
    assert response.status_code == 200
    assert re.search(r'id="preview-sms">Previewed words only.</p>', response.text)
    assert live_text(session_factory, answer_key) == GOOD_SMS


def test_roll_back_from_the_history_page(signed_in, answer_key, session_factory):
    client, token = signed_in("comms")
    client.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": "Words we will roll back.", "web": GOOD_WEB, "version": "1", "csrf_token": token})
    history = client.get(f"/staff/content/answers/{answer_key}/history").text
    assert "Version 2 (live now)" in history and "Roll back to version 1" in history
    assert "<ins>Words we will roll back.</ins>" in history

    response = client.post(f"/staff/content/answers/{answer_key}/rollback", data={
        "to_version": "1", "version": "2", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert live_text(session_factory, answer_key) == GOOD_SMS
    assert "Version 3 (live now)" in client.get(f"/staff/content/answers/{answer_key}/history").text
    assert len(audits(session_factory, "answer.rolled_back", answer_key)) == 1


def test_a_stale_roll_back_is_refused(signed_in, answer_key, session_factory):
    client, token = signed_in("comms")
    client.post(f"/staff/content/answers/{answer_key}/publish", data={
        "sms": "Newer words from someone.", "web": GOOD_WEB, "version": "1", "csrf_token": token})
    response = client.post(f"/staff/content/answers/{answer_key}/rollback", data={
        "to_version": "1", "version": "1", "csrf_token": token})
    assert response.status_code == 409 and "published version 2 after you opened this page" in response.text
    assert live_text(session_factory, answer_key) == "Newer words from someone."


def test_the_list_shows_every_answer_by_topic_with_its_checks(signed_in, answer_key):
    client, _ = signed_in("comms")
    page = client.get("/staff/content").text
    assert "Editor tests" in page and "Talking with the assistant" in page
    row = re.search(rf'data-answer="{answer_key}">(.*?)</tr>', page, re.S).group(1)
    assert ">OK<" in row and ", seed" in row
    hours = re.search(r'data-answer="hours_open">(.*?)</tr>', page, re.S).group(1)
    assert "Opening times on a day when the hub is open" in hours


def test_an_unknown_answer_is_a_404_page(signed_in):
    client, _ = signed_in("comms")
    assert client.get("/staff/content/answers/no_such_answer").status_code == 404


def test_the_download_is_a_zip_of_content_files(signed_in, session_factory, tmp_path):
    client, _ = signed_in("worker")
    response = client.get("/staff/content/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert re.match(r'attachment; filename="answers-\d{4}-\d{2}-\d{2}.zip"', response.headers["content-disposition"])
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "conversation.yml" in archive.namelist()
        # The words in other languages, in the shipped format, to copy back into data/content/languages/.
        archive.extractall(tmp_path)
    assert {(t.language, t.key) for t in load_shipped_translations(tmp_path / "languages")} == {
        (t.language, t.key) for t in load_shipped_translations(REPO_ROOT / "data" / "content" / "languages")}
    assert audits(session_factory, "answers.exported")


def test_the_editor_script_and_styles_are_served(make_client):
    client = make_client()
    script = client.get("/staff/content/editor.js")
    assert script.status_code == 200 and "X-CSRF-Token" in script.text
    assert client.get("/staff/content/editor.css").headers["content-type"].startswith("text/css")


# --- a crisis answer cannot be published without its numbers ---

def test_a_crisis_answer_shows_the_numbers_it_must_give(signed_in):
    client, _ = signed_in("comms")
    page = client.get("/staff/content/answers/crisis_child_harm").text
    hint = re.search(r'id="required-numbers">(.*?)</div>', page, re.S).group(1)
    assert "999 (emergency services), 101 (the police, to report a child at risk) and 0808 800 5000" in hint
    assert 'id="required-numbers"' not in client.get("/staff/content/answers/thank").text


def test_publishing_a_crisis_answer_without_a_number_is_refused_and_the_page_says_which(signed_in, session_factory,
                                                                                        restore_answer):
    key = restore_answer("crisis_child_harm")
    sms, web = live_text(session_factory, key, "sms"), live_text(session_factory, key, "web")
    client, token = signed_in("comms")
    without = web.replace("0808 800 5000", "the number on their website")
    response = client.post(f"/staff/content/answers/{key}/publish", data={
        "sms": sms, "web": without, "version": "1", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 422
    summary = re.search(r'id="error-summary".*?</div>\s*</div>', response.text, re.S).group(0)
    assert "This answer cannot be published yet" in summary
    assert "The web chat answer must give 0808 800 5000 (the NSPCC helpline)." in summary
    assert 'href="#web"' in summary
    assert re.search(r'id="web-error".*?must give 0808 800 5000', response.text, re.S)  # beside the box
    assert "the number on their website" in response.text  # their words are kept
    assert (live_text(session_factory, key, "sms"), live_text(session_factory, key, "web")) == (sms, web)
    assert audits(session_factory, "answer.published", key) == []


def test_the_live_check_says_a_crisis_number_is_missing_as_they_type(signed_in, session_factory):
    client, token = signed_in("comms")
    web = live_text(session_factory, "crisis_parent_fear", "web")
    response = client.post("/staff/content/check", headers={"X-CSRF-Token": token}, json={
        "key": "crisis_parent_fear", "sms": "Thank you for telling us. If anyone is in danger now, call 999.",
        "web": web})
    body = response.json()
    assert body["can_publish"] is False
    assert [(p["code"], p["where"]) for p in body["problems"] if p["level"] == "hard"] == [
        ("missing_crisis_number", "sms")]
    assert "116 123 (Samaritans)" in body["checks_html"] and "Cannot be published yet" in body["checks_html"]
    assert body["summary"].startswith("1 problem must be fixed before publishing")


def test_a_crisis_answer_with_its_numbers_is_published(signed_in, session_factory, restore_answer):
    key = restore_answer("crisis_nowhere_safe")
    sms, web = live_text(session_factory, key, "sms"), live_text(session_factory, key, "web")
    client, token = signed_in("comms")
    refused = client.post(f"/staff/content/answers/{key}/publish", data={
        "sms": sms.replace("01632 960700", "the council"), "web": web, "version": "1", "csrf_token": token})
    assert refused.status_code == 422 and "01632 960700 (the council&#39;s out-of-hours housing line)" in refused.text
    new_sms = sms.replace("01632 960700", "01632960700")  # the same number, without its space
    response = client.post(f"/staff/content/answers/{key}/publish", data={
        "sms": new_sms, "web": web, "version": "1", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert live_text(session_factory, key, "sms") == new_sms
    live = client.get("/internal/crisis", params={"kind": "nowhere_safe", "channel": "sms"}, headers=AUTH).json()
    assert live["messages"][0]["text"] == new_sms
