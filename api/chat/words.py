"""The family-facing words on the web chat page and widget, from the answers
table (comms can change them; shipped in data/content/web_chat.yml and
templates.yml), read in one query."""

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.content.models import Answer
from api.content.service import load_shipped_answers
from api.settings import get_settings

PAGE_KEYS = (
    "chat_page_title", "chat_intro", "chat_input_label", "chat_send", "assistant_unavailable",
    "web_chat_leave_quickly", "web_chat_leave_hint", "web_chat_leave_keys", "web_chat_talk_to_person",
    "web_chat_clear", "web_chat_cleared", "web_chat_earlier_ended", "web_chat_you", "web_chat_assistant",
    "web_chat_choices", "web_chat_transcript", "web_chat_enter_hint", "web_chat_sending",
    "web_chat_not_sent", "web_chat_new_tab", "web_chat_shown_for", "web_chat_language", "web_chat_language_change",
)
WIDGET_KEYS = ("chat_page_title", "web_chat_open", "web_chat_close")


def chat_words(db: Session, keys: tuple[str, ...] = PAGE_KEYS) -> dict[str, str]:
    """Web text for each key. Anything the database cannot give (it is down,
    or not seeded since the words were added) comes from the shipped YAML,
    so the page always has its words."""
    words: dict[str, str] = {}
    try:
        for key, text in db.execute(select(Answer.key, Answer.web_text).where(Answer.key.in_(keys))):
            words[key] = text
    except SQLAlchemyError:
        db.rollback()
    if len(words) < len(keys):
        shipped = {item.key: item.web_text for item in load_shipped_answers(get_settings().data_path / "content")}
        words.update({key: shipped[key] for key in keys if key not in words})
    return words
