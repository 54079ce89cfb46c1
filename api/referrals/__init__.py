"""The handover: referrals from the assistant to a named worker, and the staff queue."""
