# hutong as a container: the package installed as a wheel, `hutong serve` as the entry point, run as a
# non-root user. Build: docker build -t hutong .   Run: see deploy/compose.yaml and docs/deploy.md.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && pip wheel --no-cache-dir --wheel-dir /wheels /wheels/hutong-*.whl

FROM python:3.11-slim-bookworm
# a fixed uid so a volume keeps its owner across image rebuilds
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/hutong --create-home hutong
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/hutong-*.whl && rm -rf /wheels
USER 10001:10001
WORKDIR /var/lib/hutong
ENV HUTONG_DATA_DIR=/var/lib/hutong PYTHONUNBUFFERED=1
VOLUME ["/var/lib/hutong"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["hutong"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
