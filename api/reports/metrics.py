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
  familyhub_texts_in: texts from families by state and channel (sms,
  whatsapp), from the database, so every process's work is counted;
- familyhub_text_answer_seconds: how long families waited for the answer
  to a text or WhatsApp message over the last hour (median and 95th
  percentile, by channel), from the database: the SMS workers' turns seen
  from any api replica.
"""

import hmac
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.clock import as_utc
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
        inbound = GaugeMetricFamily("familyhub_texts_in", "Texts from families, by state and channel",
                                    labels=["state", "channel"])
        for state, channel, count in self.session.execute(
                select(SmsInbound.state, SmsInbound.channel, func.count(SmsInbound.id))
                .group_by(SmsInbound.state, SmsInbound.channel)).all():
            inbound.add_metric([state, channel], count)
        yield inbound
        yield self._answer_times()

    def _answer_times(self) -> GaugeMetricFamily:
        waited = GaugeMetricFamily("familyhub_text_answer_seconds",
                                   "Seconds families waited for the answer to a text, over the last hour",
                                   labels=["channel", "quantile"])
        since = datetime.now(timezone.utc) - ANSWER_WINDOW
        by_channel: dict[str, list[float]] = {}
        for channel, received, answered in self.session.execute(
                select(SmsInbound.channel, SmsInbound.received_at, SmsInbound.answered_at)
                .where(SmsInbound.answered_at >= since)):
            by_channel.setdefault(channel, []).append((as_utc(answered) - as_utc(received)).total_seconds())
        for channel, seconds in sorted(by_channel.items()):
            seconds.sort()
            for quantile in (0.5, 0.95):
                nearest = seconds[min(len(seconds) - 1, max(0, round(quantile * len(seconds)) - 1))]
                waited.add_metric([channel, str(quantile)], nearest)
        return waited


ANSWER_WINDOW = timedelta(hours=1)


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
