# Stadtkern API image: build a virtual environment, then copy it into a slim runtime as non-root.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY adapters ./adapters
COPY api ./api
RUN pip install .

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 stadtkern
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=stadtkern:stadtkern tenants ./tenants
RUN chown stadtkern:stadtkern /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STADTKERN_ENVIRONMENT=production
USER stadtkern
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["stadtkern", "serve", "--host", "0.0.0.0", "--port", "8000"]
