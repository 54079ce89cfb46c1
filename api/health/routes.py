from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.deps import get_app_settings, get_redis
from api.health.service import health_checks

router = APIRouter()


@router.get("/health")
async def health(request: Request, settings=Depends(get_app_settings), redis=Depends(get_redis)) -> JSONResponse:
    result = await health_checks(settings, redis, request.app.state.session_factory)
    return JSONResponse(result, status_code=200 if result["status"] == "ok" else 503)
