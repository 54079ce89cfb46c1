# The api, and from the same image the SMS workers, the scheduler and the
# migrate job (their commands are in docker-compose.yml and deploy/).
FROM python:3.11-slim
WORKDIR /app
COPY requirements/images/api.lock requirements/images/api.lock
RUN pip install --no-cache-dir -r requirements/images/api.lock \
 && useradd --uid 10001 --user-group --no-create-home familyhub
COPY alembic.ini ./
COPY api ./api
COPY data ./data
USER 10001
ENV PYTHONUNBUFFERED=1
# Migrations are not run here: several replicas start at once. They run
# once per release (the `migrate` service in compose, the Job in deploy/).
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
