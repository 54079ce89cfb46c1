"""Personal data: erasure, export (subject access) and retention."""
