"""Loopback ports for tests."""
import socket


def unused_port() -> int:
    """A loopback port nothing listens on right now: free to start a service
    on, or to point a client at to see how it copes with a service that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
