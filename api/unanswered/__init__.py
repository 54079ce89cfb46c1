"""What families asked that the assistant could not answer: kept (masked),
grouped by similar wording, and sorted out by comms."""
