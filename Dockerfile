# syntax=docker/dockerfile:1
# Multi-stage: build with the Maven wrapper on a JDK, run the Spring Boot layered jar on a JRE.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY chat-client-web chat-client-web
COPY chat-server chat-server
# the reactor names chat-bench: its pom must be there, though only chat-server and what it needs are built
COPY chat-bench/pom.xml chat-bench/pom.xml
RUN ./mvnw -B -q -DskipTests -pl chat-server -am package \
 && java -Djarmode=tools -jar chat-server/target/chat-server-0.1.0-SNAPSHOT.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:25-jre
RUN useradd --system --uid 10001 --home-dir /app switchboard
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER switchboard
EXPOSE 8080 8081
# Heap sized from the container's memory limit; SIGTERM goes straight to the JVM (exec form), which
# drains the node before it stops (switchboard.drain.shutdown-timeout, 30 s by default).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# Liveness on the management port, with bash alone (the JRE image has no curl).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
