"""Health checks.

- `GET /health`: is each part the api relies on answering? (for people and
  `make run`; 503 when any part is down)
- `GET /health/live`: the process answers (a liveness probe: restarting
  the api would not bring Rasa back, so this checks nothing else);
- `GET /health/ready`: the api can do its own work, Redis and the database
  answer (a readiness probe: with Rasa down the api still serves the chat
  page and its "we cannot answer just now" words, and takes texts in).
"""
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.deps import get_app_settings, get_redis
from api.health.service import health_checks, readiness_checks

router = APIRouter()


@router.get("/health")
async def health(request: Request, settings=Depends(get_app_settings), redis=Depends(get_redis)) -> JSONResponse:
    result = await health_checks(settings, redis, request.app.state.session_factory)
    return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)


@router.get("/health/live")
async def live() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/health/ready")
async def ready(request: Request, settings=Depends(get_app_settings), redis=Depends(get_redis)) -> JSONResponse:
    result = await readiness_checks(settings, redis, request.app.state.session_factory)
    return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)
