FROM python:3.11-slim
WORKDIR /app
COPY requirements/api.lock requirements/api.lock
RUN pip install --no-cache-dir -r requirements/api.lock
COPY alembic.ini ./
COPY api ./api
COPY bot/__init__.py bot/risk.py ./bot/
COPY data ./data
ENV PYTHONUNBUFFERED=1
CMD ["sh", "-c", "alembic upgrade head && python -m api.seed && uvicorn api.main:app --host 0.0.0.0 --port 8000 --proxy-headers"]
