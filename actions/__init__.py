"""Custom actions: the assistant's answers come from the api, so a changed
answer is live without retraining."""
from actions.actions import *  # noqa: F401,F403  (rasa-sdk loads actions from the package)
