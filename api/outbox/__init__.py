"""Texts waiting to go to families."""
