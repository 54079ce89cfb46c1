"""Routes the action server calls (`/internal/...`), behind a bearer token."""
