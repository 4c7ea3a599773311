# syntax=docker/dockerfile:1
# Multi-stage: build with the Maven wrapper on a JDK, run the Spring Boot jar extracted in layers on a
# JRE, with the JDK's AOT cache (JEP 483, 514) made by a training run in the image: a node starts in
# about half the time (docs/benchmarks.md, "Cold nodes").
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY chat-client-web chat-client-web
COPY chat-server chat-server
# the reactor names chat-bench: its pom must be there, though only chat-server and what it needs are built
COPY chat-bench/pom.xml chat-bench/pom.xml
RUN ./mvnw -B -q -DskipTests -pl chat-server -am package \
 && java -Djarmode=tools -jar chat-server/target/chat-server-0.1.0-SNAPSHOT.jar extract --layers --destination /layers \
 && mv /layers/application/chat-server-0.1.0-SNAPSHOT.jar /layers/application/chat-server.jar

FROM eclipse-temurin:25-jre
RUN useradd --system --uid 10001 --home-dir /app switchboard
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
# Heap sized from the container's memory limit; G1 asked for pauses of at most 20 ms (its default
# aims at 200, and under load its young pauses took up to 69 ms: docs/benchmarks.md, "The 10,000/s
# tail step by step"); SIGTERM goes straight to the JVM (exec form), which drains the node before
# it stops (switchboard.drain.shutdown-timeout, 30 s by default).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError"
# The training run: the node starts (in-memory broker) and exits once its context is ready, and the
# JVM writes the classes it loaded and linked. The cache holds the class path as given, so the
# ENTRYPOINT names the jar the same way, from the same directory.
RUN java -XX:AOTCacheOutput=switchboard.aot -Dspring.context.exit=onRefresh -jar chat-server.jar \
      --server.port=0 --management.server.port=0 > /dev/null
USER switchboard
EXPOSE 8080 8081
# Liveness on the management port, with bash alone (the JRE image has no curl).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:AOTCache=switchboard.aot", "-jar", "chat-server.jar"]
