# syntax=docker/dockerfile:1
# The one Patchwork image. Every role runs it; PATCHWORK_ROLES (api, worker, serving, or a list) picks what a
# container does, and PATCHWORK_DB_* / PATCHWORK_S3_* point it at PostgreSQL and S3 (see compose.yaml, deploy/).
#
#   docker build -t patchwork:local .
#
# The build stage compiles with the Maven Wrapper and copies the api module's runtime classpath
# (api/target/classpath.txt) into /opt/patchwork/lib, keeping Maven's classpath order in an argument file. The
# embedded PostgreSQL and S3 server of `./patchwork up` and the benchmarks (bench module) are not part of it.
# The run stage is a JRE with PyTorch's CPU natives in that classpath; DJL never downloads anything.
#
# JDK AOT cache (JEP 483/514/515; `./patchwork up` keeps one automatically): the image does not build one, because the
# run that records it must start the application against PostgreSQL, S3 and a base model. A deployment can keep one
# on its data volume: start once with JDK_JAVA_OPTIONS="-XX:AOTCacheOutput=/var/lib/patchwork/patchwork.aot" (written
# when that container stops), then with "-XX:AOTCache=/var/lib/patchwork/patchwork.aot". The JVM ignores, with a
# warning, a cache recorded from other jars, so a new image simply starts without it until the cache is recorded again.
ARG JAVA_VERSION=25

FROM eclipse-temurin:${JAVA_VERSION}-jdk AS build
WORKDIR /src
COPY . .
# The local Maven repository is a build cache, not a layer: everything the image needs is copied out of it in the
# same step.
RUN --mount=type=cache,target=/root/.m2 \
    set -eu; \
    ./mvnw -B -q -DskipTests -pl api -am package; \
    mkdir -p /out/lib; \
    cp api/target/patchwork-api-*.jar /out/lib/patchwork-api.jar; \
    classpath=/opt/patchwork/lib/patchwork-api.jar; \
    for jar in $(tr ':' ' ' < api/target/classpath.txt); do \
      name="$(basename "$jar")"; \
      if [ ! -f "$jar" ] || [ -e "/out/lib/$name" ]; then echo "cannot copy classpath entry $jar" >&2; exit 1; fi; \
      cp "$jar" "/out/lib/$name"; \
      classpath="$classpath:/opt/patchwork/lib/$name"; \
    done; \
    printf -- '-cp %s\n' "$classpath" > /out/java.args

FROM eclipse-temurin:${JAVA_VERSION}-jre
RUN groupadd --system --gid 10001 patchwork \
    && useradd --system --uid 10001 --gid patchwork --home-dir /var/lib/patchwork --create-home patchwork
COPY --from=build /out/ /opt/patchwork/
# DJL: PyTorch 2.7.1 CPU natives from the jar on the classpath (extracted once per container into DJL_CACHE_DIR);
# offline, so a missing native fails at once instead of downloading. GPU images: see deploy/README.md.
ENV DJL_OFFLINE=true \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cpu \
    DJL_CACHE_DIR=/var/lib/patchwork/djl \
    JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=50"
USER patchwork
WORKDIR /var/lib/patchwork
EXPOSE 8080
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "@/opt/patchwork/java.args", "ai.patchwork.api.PatchworkApplication"]
