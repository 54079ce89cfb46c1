"""Answers and templates in family words, as shipped and as edited by comms."""
