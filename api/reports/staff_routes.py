"""Staff pages for managers: "what families told us" (the feedback
answers, masked) and the reports page. Hub managers and admins only; a
manager with a hub sees only that hub. Every view and download is audited.
"""

import csv
import io
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import get_now
from api.db import get_db
from api.directory.models import Hub
from api.directory.timetable import at_local, local
from api.referrals import endings
from api.referrals.staff_routes import when
from api.reports.charts import bar_chart
from api.reports.figures import build_report
from api.staff.audit import record_audit
from api.staff.auth import require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

MANAGER_ROLES = ("manager", "admin")
DEFAULT_DAYS = 90

router = APIRouter(prefix="/staff")
manager = require_staff(*MANAGER_ROLES)


def parse_day(value: str, fallback: date) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return fallback


def date_range(start: str, end: str, now: datetime) -> tuple[date, date]:
    """From and to (inclusive) as dates; the last 90 days by default."""
    today = local(now).date()
    last = parse_day(end, today)
    first = parse_day(start, last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        first, last = last, first
    return first, last


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return at_local(first, time(0)), at_local(last + timedelta(days=1), time(0))


def hub_filter(db: Session, staff: StaffUser, hub: str) -> tuple[str, list[Hub], bool]:
    """The hub to show ("" for all), the hubs to choose from, and whether
    the choice is fixed (a manager with their own hub)."""
    hubs = list(db.scalars(select(Hub).order_by(Hub.name)))
    if staff.role == "manager" and staff.hub_slug:
        return staff.hub_slug, [h for h in hubs if h.slug == staff.hub_slug], True
    return (hub if hub in {h.slug for h in hubs} else ""), hubs, False


def csv_response(name: str, header: list[str], rows: list[list]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@router.get("/feedback")
def feedback_page(request: Request, start: str = "", end: str = "", hub: str = "", download: str = "",
                  db: Session = Depends(get_db), staff: StaffUser = Depends(manager),
                  now: datetime = Depends(get_now)) -> Response:
    """What families told us: every answer to "Did we help?", words masked."""
    first, last = date_range(start, end, now)
    hub, hubs, fixed = hub_filter(db, staff, hub)
    rows = endings.what_families_told_us(db, *bounds(first, last), hub_slug=hub or None)
    record_audit(db, staff, "feedback.downloaded" if download else "feedback.viewed", "feedback", None,
                 hub=hub or "all", start=first.isoformat(), end=last.isoformat(), shown=len(rows))
    db.commit()
    if download:
        return csv_response(f"what-families-told-us-{first}-{last}", ["answered", "hub", "did we help", "their words"],
                            [[local(r.at).strftime("%Y-%m-%d %H:%M"), r.hub, r.answer, r.words] for r in rows])
    counts = {answer: sum(1 for r in rows if r.answer == answer) for answer in endings.FEEDBACK_SCORES.values()}
    return render(request, "feedback.html", {
        "rows": rows, "counts": counts, "start": first.isoformat(), "end": last.isoformat(), "hub": hub,
        "hubs": hubs, "hub_fixed": fixed, "when": when,
        "query": f"start={first.isoformat()}&end={last.isoformat()}&hub={hub}"}, staff=staff)


@router.get("/reports")
def reports_page(request: Request, start: str = "", end: str = "", hub: str = "", download: str = "",
                 db: Session = Depends(get_db), staff: StaffUser = Depends(manager),
                 now: datetime = Depends(get_now)) -> Response:
    """Figures for managers: charts with a table beside each, and CSV of every table."""
    first, last = date_range(start, end, now)
    hub, hubs, fixed = hub_filter(db, staff, hub)
    report = build_report(db, *bounds(first, last), first, last, hub or None)
    table = report.table(download) if download else None
    record_audit(db, staff, "reports.downloaded" if table else "reports.viewed", "reports", download[:40] or None,
                 hub=hub or "all", start=first.isoformat(), end=last.isoformat(), requests=report.requests)
    db.commit()
    if table is not None:
        return csv_response(f"{table.key}-{first}-{last}{'-' + hub if hub else ''}", table.columns, table.rows)
    charts = {t.key: bar_chart(f"chart-{t.key}", t.title, [r[0] for r in t.rows], [r[t.chart_column] for r in t.rows])
              for t in report.tables}
    return render(request, "reports.html", {
        "report": report, "charts": charts, "start": first.isoformat(), "end": last.isoformat(), "hub": hub,
        "hubs": hubs, "hub_fixed": fixed,
        "query": f"start={first.isoformat()}&end={last.isoformat()}&hub={hub}"}, staff=staff)
