"""Hubs, opening hours, closures, sessions and workers."""
