"""Where Rasa gets the words for every response: the api, or safe words.

Configured in endpoints.yml (`nlg: type: bot.nlg.ApiNaturalLanguageGenerator`).
Each response (`utter_*`) is asked of the api's NLG endpoint
(`POST /internal/nlg`, Rasa's NLG callback body), which answers with the
words comms publish in the content editor, so a change is live at once.

If the api cannot be reached, is slow, refuses, or answers with something
that is not a message, Rasa still says something safe, never nothing: the
response's own words in domain.yml if it has some (the crisis lines, "we
cannot answer right now"), else `utter_cannot_answer_now`.

It is a TemplatedNaturalLanguageGenerator underneath: Rasa creates the
generator before it loads a model (so with no domain), and hands the
domain's responses only to that kind of generator each time a model is
loaded (rasa/core/agent.py, `Agent.load_model`).

This module alone speaks to the api from inside Rasa.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

import aiohttp
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

SAFE_FALLBACK = "utter_cannot_answer_now"
DEFAULT_TIMEOUT_SECONDS = 5.0


class ApiNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)  # Rasa replaces them when a model loads
        self.endpoint = endpoint_config
        self.timeout = float(endpoint_config.kwargs.get("timeout", DEFAULT_TIMEOUT_SECONDS))

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        kwargs.pop("domain_responses", None)
        try:
            message = await self.ask_api(utter_action, tracker, output_channel, kwargs)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, the family gets safe words
            # Never the body: it may hold the family's words.
            logger.warning("NLG: the api gave no words for %s (%s); saying safe words",
                           utter_action, type(error).__name__)
        else:
            if isinstance(message, dict) and isinstance(message.get("text"), str) and message["text"].strip():
                return message
            logger.warning("NLG: the api's answer for %s was not a message; saying safe words", utter_action)
        return await self.safe_message(utter_action, tracker, output_channel, kwargs)

    async def ask_api(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                      arguments: Dict[Text, Any]) -> Any:
        """Rasa's NLG callback body, with the tracker's state but not its
        events (the api needs the slots and the latest message's channel;
        a long conversation's events would only slow every reply)."""
        body = {
            "response": utter_action,
            "arguments": arguments,
            "tracker": tracker.current_state(EventVerbosity.NONE),
            "channel": {"name": output_channel},
        }
        return await self.endpoint.request(method="post", json=body,
                                           timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def safe_message(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                           arguments: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
        """The response's words in domain.yml, else the one safe line."""
        for name in (utter_action, SAFE_FALLBACK):
            message = await super().generate(name, tracker, output_channel, **arguments)
            if message and message.get("text"):
                return message
        logger.error("NLG: domain.yml has no words for %s", SAFE_FALLBACK)
        return None
