"""Web chat: a page, and a route that passes messages to Rasa."""
