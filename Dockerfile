# attnrec in a container, from Debian 12 packages only.
#   docker build -t attnrec .
#   docker compose up -d          (docker-compose.yml: a volume, a healthcheck)
# Stage 1 builds the binary with the project's own dependency list; stage 2
# carries it with the runtime libraries only.
FROM debian:12 AS build
# -march=native would tie the image to the build machine's CPU: off unless
# asked for (--build-arg NATIVE=ON, e.g. to build on the machine it runs on).
ARG NATIVE=OFF
COPY scripts/deps.sh /tmp/deps.sh
RUN ATTNREC_DEPS_NO_BROWSER=1 bash /tmp/deps.sh && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset default -DATTNREC_NATIVE=${NATIVE} -DATTNREC_BUILD_TESTS=OFF -DATTNREC_BUILD_BENCH=OFF \
 && cmake --build --preset default --target attnrec \
 && strip build/attnrec

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-json1.81.0 libfmt9 libspdlog1.10 libutf8proc2 liblz4-1 libsnappy1v5 libzstd1 \
      libbz2-1.0 zlib1g libnats3.4 libxxhash0 libprotobuf-c1 libssl3 curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/attnrec --create-home attnrec
COPY --from=build /src/build/attnrec /usr/local/bin/attnrec
USER attnrec
# Configuration by environment: every serve flag as ATTNREC_* (README,
# "Configuration and logs"). Listening beyond loopback needs API keys
# (ATTNREC_API_KEYS=KEY:ROLE,...), or ATTNREC_ALLOW_UNAUTHENTICATED=1.
ENV ATTNREC_DATA_DIR=/var/lib/attnrec \
    ATTNREC_LISTEN=0.0.0.0:8080 \
    ATTNREC_LOG_FORMAT=json
VOLUME /var/lib/attnrec
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["attnrec"]
CMD ["serve"]
