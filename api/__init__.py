"""The family hub api: web chat, directory, content and internal routes."""
