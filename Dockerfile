# The image of the API, the worker and the migration job (one image, three commands):
#   docker build -t onboarding:0.1.0 .
#   docker run onboarding:0.1.0 db upgrade | worker | api --host 0.0.0.0
# Used by deploy/compose and deploy/k8s; see deploy/README.md.
FROM python:3.12.8-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY onboarding ./onboarding
COPY workflows ./workflows
COPY activities ./activities
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12.8-slim-bookworm
RUN useradd --system --uid 10001 --create-home --home-dir /app onboarding
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /app
# Production defaults; everything else comes from ONBOARDING_* at run time.
ENV PYTHONUNBUFFERED=1 \
    ONBOARDING_HOME=/app/data \
    ONBOARDING_MODE=production \
    ONBOARDING_LOG_FORMAT=json \
    ONBOARDING_METRICS_HOST=0.0.0.0
# 8000 the API, 9464 app metrics of a worker, 9465 the Temporal SDK's metrics.
EXPOSE 8000 9464 9465
ENTRYPOINT ["onboarding"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
