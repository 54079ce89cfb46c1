"""The languages a family can write and be answered in."""
