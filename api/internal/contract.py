"""The one contract between the Rasa side (Rasa's NLG and model pulls, the
action server) and the api's `/internal/*` routes.

- Bodies are pydantic models at the route edge (`read_body`); services
  take typed values, never `data: object`.
- One error shape for every `/internal/*` answer that is not a success:
  `{"detail": "<field>: <what is wrong>", "messages": [{"text"}]}`:
  `detail` for developers (field names, never the values sent),
  `messages` the family's words when there are some (else empty). FastAPI's
  own errors there (a missing token, a bad query value, an unknown
  route) take the same shape (`install_internal_errors`).
- One client on the other side: `actions/api_client.py` (and
  `bot/nlg.py` for Rasa's words).
"""

import json
from typing import Literal, TypeVar

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

Channel = Literal["web", "sms"]
Body = TypeVar("Body", bound=BaseModel)
PREFIX = "/internal/"


def messages(texts: list[str]) -> list[dict]:
    return [{"text": text} for text in texts]


def problem(status_code: int, detail: str, texts: list[str] | None = None, **extra) -> JSONResponse:
    """The one error shape."""
    return JSONResponse({**extra, "detail": detail, "messages": messages(texts or [])}, status_code=status_code)


def explain(errors: list[dict]) -> str:
    """"contact.phone: Field required; family_words: String should have at
    most 1000 characters" (field names only: never the values sent)."""
    parts = []
    for item in errors:
        loc = [str(step) for step in item.get("loc", ()) if step not in ("body", "query", "header", "path")]
        parts.append(f"{'.'.join(loc) or 'body'}: {item.get('msg', 'not valid')}")
    return "; ".join(parts)


def explain_error(error: ValidationError) -> str:
    return explain(error.errors(include_url=False, include_input=False))


async def read_body(request: Request, model: type[Body]) -> tuple[Body | None, JSONResponse | None]:
    """The request's JSON body as `model`, or the 422 to send instead."""
    try:
        raw = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return None, problem(422, "body: send a JSON object")
    if not isinstance(raw, dict):
        return None, problem(422, "body: send a JSON object")
    try:
        return model.model_validate(raw), None
    except ValidationError as error:
        return None, problem(422, explain_error(error))


def install_internal_errors(app: FastAPI) -> None:
    """FastAPI's own errors on `/internal/*` in the one shape; elsewhere as before."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        if not request.url.path.startswith(PREFIX):
            return await request_validation_exception_handler(request, error)
        return problem(422, explain(list(error.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if not request.url.path.startswith(PREFIX):
            return await http_exception_handler(request, error)
        response = problem(error.status_code, str(error.detail))
        for name, value in (getattr(error, "headers", None) or {}).items():
            response.headers[name] = value  # WWW-Authenticate with a 401
        return response
