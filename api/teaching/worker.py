"""The training worker (one line in `make run`'s Procfile):

    python -m api.teaching.worker

One rq worker on the TRAINING_QUEUE: one training run at a time, never in
the web process. The run's `rasa train` and checks are subprocesses in the
Rasa venv (api/teaching/training.py).
"""

import logging

from rq import Worker

from api.settings import get_settings
from api.sms.runtime import make_sync_redis
from api.teaching.training import TRAINING_QUEUE


def main() -> None:  # pragma: no cover - process wiring around tested functions
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = get_settings()
    Worker([TRAINING_QUEUE], connection=make_sync_redis(settings)).work(logging_level="WARNING")


if __name__ == "__main__":
    main()
