"""Custom actions: the assistant's answers come from the api, so a changed
answer is live without retraining."""
# rasa-sdk registers every Action subclass it can import from this package.
from actions import actions, booking, handover, privacy  # noqa: F401
