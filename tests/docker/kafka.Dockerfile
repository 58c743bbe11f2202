# Apache Kafka from the Maven Central jars (tests/kafka/pom.xml), in place of apache/kafka for
# the stack's test: configured like the official image, from KAFKA_* variables.
FROM debian:bookworm-slim
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless kcat \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home kafka \
 && mkdir -p /var/lib/kafka/data /opt/kafka/config && chown -R kafka /var/lib/kafka /opt/kafka/config
COPY kafka-jars/*.jar /opt/kafka/libs/
COPY kafka-entrypoint.sh /opt/kafka/entrypoint.sh
USER kafka
EXPOSE 9092
ENTRYPOINT ["/opt/kafka/entrypoint.sh"]
