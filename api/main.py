"""The FastAPI app: `create_app()` for tests, `app` for uvicorn.

Run:  uvicorn api.main:app --host 127.0.0.1 --port $API_PORT
"""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.bookings.internal_routes import router as bookings_internal_router
from api.bookings.staff_routes import router as bookings_staff_router
from api.chat.routes import router as chat_router
from api.content.service import family_text
from api.crypto import use_key
from api.db import make_engine, make_session_factory
from api.deps import make_redis
from api.directory.oruk_routes import router as oruk_router
from api.directory.staff_routes import router as directory_staff_router
from api.editor.language_routes import router as editor_languages_router
from api.editor.routes import router as editor_router
from api.health.routes import router as health_router
from api.health.service import redis_persistence_warning
from api.internal.contract import install_internal_errors
from api.internal.routes import router as internal_router
from api.languages.service import warm_up
from api.limits import BodyLimit, NoNullCharacters
from api.privacy.internal_routes import router as privacy_internal_router
from api.privacy.staff_routes import router as families_router
from api.referrals.internal_routes import router as referrals_internal_router
from api.referrals.partner_routes import router as partner_router
from api.referrals.staff_routes import router as referrals_staff_router
from api.reports.metrics import router as metrics_router
from api.reports.staff_routes import router as reports_staff_router
from api.settings import Settings, get_settings
from api.sms.routes import install_sms
from api.staff.routes import install_staff
from api.teaching.internal_routes import router as teaching_internal_router
from api.teaching.staff_routes import router as teaching_staff_router
from api.unanswered.internal_routes import router as unanswered_internal_router
from api.unanswered.staff_routes import router as unanswered_staff_router

log = logging.getLogger("api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warning = await redis_persistence_warning(app.state.redis, settings.redis_may_persist)
        if warning:
            log.warning("%s", warning)
        await run_in_threadpool(warm_up, settings)  # the language detector's models, before the first family
        yield
        await app.state.redis.aclose()
        app.state.engine.dispose()

    app = FastAPI(title="Family hub front door api", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.redis = make_redis(settings)
    use_key(settings.data_encryption_key, settings.lookup_hash_key)  # personal data at rest (api/crypto.py)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        """Log the error for us; give the family kind words, never a stack trace."""
        log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(error).__name__,
                  exc_info=error)
        try:
            with app.state.session_factory() as session:
                words = family_text(session, "assistant_unavailable", "web")
        except Exception:  # noqa: BLE001
            words = ""
        return JSONResponse({"messages": [{"text": words}] if words else []}, status_code=500)

    app.include_router(chat_router)
    app.include_router(internal_router)
    app.include_router(referrals_internal_router)
    app.include_router(referrals_staff_router)
    app.include_router(partner_router)
    app.include_router(reports_staff_router)
    app.include_router(bookings_internal_router)
    app.include_router(bookings_staff_router)
    app.include_router(teaching_staff_router)  # before the editor's: /staff/content/teach, /topics
    app.include_router(editor_languages_router)
    app.include_router(editor_router)
    app.include_router(teaching_internal_router)
    app.include_router(unanswered_internal_router)
    app.include_router(unanswered_staff_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(families_router)
    app.include_router(privacy_internal_router)
    app.include_router(oruk_router)
    app.include_router(directory_staff_router)
    install_sms(app)
    install_staff(app)
    app.add_middleware(BodyLimit, max_bytes=settings.family_body_max_bytes)
    app.add_middleware(NoNullCharacters)
    install_internal_errors(app)
    return app


# One line per chat request goes to the "api.chat" logger; show INFO when
# run under uvicorn (basicConfig does nothing if logging is already set up).
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
# httpx logs every request URL at INFO; the api logs its own one line per turn.
logging.getLogger("httpx").setLevel(logging.WARNING)
app = create_app()
