"""Liveness probe for the SMS worker and scheduler containers (they answer
no HTTP):

    python -m api.sms.probe            Redis answers and an rq worker of this
                                       host (pod) is registered with a fresh
                                       heartbeat
    python -m api.sms.probe --redis    Redis answers (the scheduler)

Exits 0 when alive, 1 (with the reason, never a number or words) when not.
"""

import argparse
import socket
import sys

from redis.exceptions import RedisError
from rq import Worker

from api.settings import get_settings
from api.sms.runtime import make_sync_redis


def workers_alive_here(connection, hostname: str) -> int:
    """How many rq workers of this host are registered."""
    return sum(1 for worker in Worker.all(connection=connection) if worker.hostname == hostname)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", action="store_true", help="only check that Redis answers")
    args = parser.parse_args()
    connection = make_sync_redis(get_settings())
    try:
        connection.ping()
        if args.redis:
            return 0
        if workers_alive_here(connection, socket.gethostname()) == 0:
            print("no rq worker of this host is registered", file=sys.stderr)
            return 1
        return 0
    except RedisError as error:
        print(f"redis: {type(error).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
