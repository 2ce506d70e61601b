#!/usr/bin/env bash
# Fetch the pinned jars from Maven Central (idempotent): Deequ for the pinned Spark line, and
# S3A (hadoop-aws 3.3.4, PySpark 3.5's Hadoop client, with the AWS SDK bundle it was built
# against, 1.12.262), which lets executors on other hosts read s3:// input themselves.
# Used by `make setup`, CI and the Dockerfile alike.
#
# Each jar's SHA-256 is pinned here, in the repository: a checksum fetched from the same
# server as the jar would catch a damaged download but not a replaced one. A version with
# no pinned digest is refused; pin one only after checking the jar (its .asc signature or
# its digest from a second source; the S3A jars' SHA-1 were checked against Maven
# Central's .sha1 files).
set -euo pipefail
DEEQU_VERSION="${DEEQU_VERSION:-2.1.0-spark-3.5}"
DEST_DIR="${1:-${DEEQU_JAR_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.deequ}}"
JAR="deequ-${DEEQU_VERSION}.jar"
URL="https://repo1.maven.org/maven2/com/amazon/deequ/deequ/${DEEQU_VERSION}/${JAR}"
case "$DEEQU_VERSION" in
  2.1.0-spark-3.5) want=ab902814dec56dc39ff16d1c5c80e7101a5dff8c1aa380fdafce522da1cd1546 ;;
  *) echo "deequ: no SHA-256 pinned for $JAR in $0" >&2; exit 1 ;;
esac
mkdir -p "$DEST_DIR"

# fetch NAME URL SHA256: into DEST_DIR unless a file of that digest is there
fetch() {
  local name="$1" url="$2" want="$3" got
  if [ -s "$DEST_DIR/$name" ] && [ "$(sha256sum "$DEST_DIR/$name" | cut -d' ' -f1)" = "$want" ]; then
    echo "jars: $DEST_DIR/$name present"
    return 0
  fi
  echo "jars: fetching $url"
  curl -fsSL --retry 3 --max-time 600 -o "$DEST_DIR/$name.part" "$url"
  got="$(sha256sum "$DEST_DIR/$name.part" | cut -d' ' -f1)"
  if [ "$want" != "$got" ]; then
    echo "jars: SHA-256 mismatch for $name (pinned $want, got $got)" >&2
    rm -f "$DEST_DIR/$name.part"
    exit 1
  fi
  mv "$DEST_DIR/$name.part" "$DEST_DIR/$name"
  echo "jars: installed $DEST_DIR/$name"
}

MAVEN=https://repo1.maven.org/maven2
fetch "$JAR" "$URL" "$want"
fetch hadoop-aws-3.3.4.jar "$MAVEN/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar" \
  53f9ae03c681a30a50aa17524bd9790ab596b28481858e54efd989a826ed3a4a
fetch aws-java-sdk-bundle-1.12.262.jar \
  "$MAVEN/com/amazonaws/aws-java-sdk-bundle/1.12.262/aws-java-sdk-bundle-1.12.262.jar" \
  873fe7cf495126619997bec21c44de5d992544aea7e632fdc77adb1a0915bae5
