"""Drop-in booking: occurrences of hub sessions, places, bookings, waiting lists."""
