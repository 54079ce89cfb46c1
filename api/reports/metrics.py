"""`GET /metrics` for engineers, in Prometheus' text format (the official
prometheus_client library). Never for families: it answers only with
`Authorization: Bearer <METRICS_TOKEN>`, and is switched off (404) while
METRICS_TOKEN is empty.

- familyhub_turns_total, familyhub_turn_seconds: family messages this
  process sent to the assistant, and how long the assistant took, by
  channel (each process counts its own: scrape the SMS workers' figures
  from their logs or run them behind the same registry in multiprocess mode);
- familyhub_rasa_errors_total: turns the assistant could not answer;
- familyhub_referrals_waiting: requests nobody has claimed yet (the queue);
- familyhub_texts: texts to families by status (sent, failed, ...), and
  familyhub_texts_in: texts from families by state, from the database, so
  every process's work is counted.
"""

import hmac
import time
from contextlib import contextmanager

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db import get_db
from api.deps import get_app_settings
from api.outbox.models import OutboxMessage
from api.referrals.models import Referral
from api.settings import Settings
from api.sms.models import SmsInbound

TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)


class TurnMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter("familyhub_turns", "Family messages sent to the assistant", ["channel"],
                             registry=self.registry)
        self.seconds = Histogram("familyhub_turn_seconds", "Seconds the assistant took to answer", ["channel"],
                                 buckets=TURN_BUCKETS, registry=self.registry)
        self.errors = Counter("familyhub_rasa_errors", "Turns the assistant could not answer", ["channel"],
                              registry=self.registry)


_turns: TurnMetrics | None = None


def turn_metrics() -> TurnMetrics:
    """This process's turn figures (made on first use, not at import)."""
    global _turns
    if _turns is None:
        _turns = TurnMetrics()
    return _turns


@contextmanager
def timed_turn(channel: str):
    """Count one turn and its time; an exception counts as a Rasa error."""
    metrics, started = turn_metrics(), time.perf_counter()
    channel = channel if channel in ("web", "sms", "whatsapp") else "other"
    metrics.turns.labels(channel).inc()
    try:
        yield
    except Exception:
        metrics.errors.labels(channel).inc()
        raise
    finally:
        metrics.seconds.labels(channel).observe(time.perf_counter() - started)


class DatabaseFigures:
    """Gauges read from the database at each scrape."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self):
        waiting = GaugeMetricFamily("familyhub_referrals_waiting", "Requests nobody has claimed yet",
                                    labels=["urgent"])
        counts = dict(self.session.execute(select(Referral.urgent, func.count(Referral.id))
                                           .where(Referral.status == "new").group_by(Referral.urgent)).all())
        for urgent in (True, False):
            waiting.add_metric(["true" if urgent else "false"], counts.get(urgent, 0))
        yield waiting
        texts = GaugeMetricFamily("familyhub_texts", "Texts to families, by status", labels=["status"])
        for status, count in self.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                                                  .group_by(OutboxMessage.status)).all():
            texts.add_metric([status], count)
        yield texts
        inbound = GaugeMetricFamily("familyhub_texts_in", "Texts from families, by state", labels=["state"])
        for state, count in self.session.execute(select(SmsInbound.state, func.count(SmsInbound.id))
                                                 .group_by(SmsInbound.state)).all():
            inbound.add_metric([state], count)
        yield inbound


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, db: Session = Depends(get_db),
            settings: Settings = Depends(get_app_settings)) -> Response:
    token = settings.metrics_token
    given = request.headers.get("authorization", "")
    if not token:
        return Response("Not found", status_code=404)
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("Unauthorised", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    database = CollectorRegistry()
    database.register(DatabaseFigures(db))
    body = generate_latest(turn_metrics().registry) + generate_latest(database)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
