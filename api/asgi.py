"""The ASGI application factory uvicorn serves (`api.asgi:build_app`, factory mode)."""

from fastapi import FastAPI

from api.app import create_app
from api.logs import configure_logging
from api.settings import load_settings


def build_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
