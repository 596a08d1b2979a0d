"""The ASGI application factory uvicorn serves (`api.asgi:build_app`, factory mode)."""

import gc

from fastapi import FastAPI

from api.app import create_app
from api.logs import configure_logging
from api.settings import load_settings


def build_app() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    # Everything loaded so far (modules, schemas, the app) lives as long as the process: moved
    # out of the collector's sight, a full collection no longer walks it. Measured on the map
    # with 339 pins: building the pins took 17 ms with collections over the whole heap, 3 ms
    # after the freeze.
    gc.collect()
    gc.freeze()
    return app
