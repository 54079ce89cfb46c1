"""The one module that talks to Rasa's REST channel."""

import httpx


class AssistantUnavailable(Exception):
    """Rasa could not be reached, timed out, or answered with an error."""


async def send_to_rasa(rasa_url: str, sender: str, text: str, channel: str, timeout: float) -> list[str]:
    """Send one message to Rasa; return the texts it replied with."""
    payload = {"sender": sender, "message": text, "metadata": {"channel": channel}}
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(f"{rasa_url.rstrip('/')}/webhooks/rest/webhook", json=payload)
    except httpx.HTTPError as error:
        raise AssistantUnavailable(type(error).__name__) from error
    if response.status_code >= 400:
        raise AssistantUnavailable(f"status {response.status_code}")
    try:
        replies = response.json()
    except ValueError as error:
        raise AssistantUnavailable("reply was not JSON") from error
    return [reply["text"] for reply in replies if isinstance(reply, dict) and reply.get("text")]
