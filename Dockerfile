# One image, four services: the start command chooses (python -m jbplein_<service>).
# Built from the workspace root: docker build -t jbplein .
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app

# Dependencies first, in a layer of their own that only the lock file invalidates.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/pyproject.toml
COPY kit/pyproject.toml kit/pyproject.toml
COPY runner/pyproject.toml runner/pyproject.toml
COPY services/intake/pyproject.toml services/intake/pyproject.toml
COPY services/tafel/pyproject.toml services/tafel/pyproject.toml
COPY services/toewijzing/pyproject.toml services/toewijzing/pyproject.toml
COPY services/notificatie/pyproject.toml services/notificatie/pyproject.toml
RUN uv sync --frozen --no-dev --all-packages --no-install-workspace

COPY contracts contracts
COPY kit kit
COPY runner runner
COPY services services
RUN uv sync --frozen --no-dev --all-packages

ENV PATH=/app/.venv/bin:$PATH
RUN useradd --system --uid 10001 jbplein
USER jbplein
EXPOSE 8000
CMD ["python", "-m", "jbplein_intake"]
