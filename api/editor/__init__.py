"""The content editor: comms edit, check, preview, publish and roll back answers."""
