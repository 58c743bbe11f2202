# eventrouter's container image. Two stages: the build on Debian bookworm with the -dev
# packages, and a slim bookworm runtime with only the shared libraries, the binary and curl
# (for the health check).
#
#   docker build -t eventrouter:latest .
#   docker run -p 8080:8080 -v $PWD/deploy/eventrouter.json:/etc/eventrouter/config.json:ro eventrouter
#
# The configuration is read from /etc/eventrouter/config.json (mount yours there); logs and
# log-sink lines go to stdout/stderr. SIGTERM drains: accepted events reach their topics and
# consumers finish before the process exits (give `docker stop -t` more than
# shutdown_timeout_ms). SIGHUP reloads the configuration.

FROM debian:bookworm AS build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      libcaf-dev libboost1.81-dev libboost-json1.81-dev prometheus-cpp-dev \
      libhiredis-dev librdkafka-dev libavro-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY avro avro
COPY config config
COPY router router
COPY metrics metrics
COPY transports transports
COPY actors actors
COPY app app
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target eventrouter --parallel "$(nproc)" \
 && strip /build/app/eventrouter

FROM debian:bookworm-slim
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libcaf-core0.17 libboost-json1.81.0 libprometheus-cpp-core1.0 libhiredis0.14 librdkafka1 libavro23 libjemalloc2 \
      curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin eventrouter \
 && mkdir -p /etc/eventrouter
COPY --from=build /build/app/eventrouter /usr/local/bin/eventrouter
COPY deploy/eventrouter.json /etc/eventrouter/config.json
USER eventrouter
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["eventrouter"]
CMD ["run", "--config", "/etc/eventrouter/config.json"]
