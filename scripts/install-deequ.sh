#!/usr/bin/env bash
# Fetch the Deequ jar for the pinned Spark line from Maven Central (idempotent).
# Used by `make setup`, CI and the Dockerfile alike.
#
# The jar's SHA-256 is pinned here, in the repository: a checksum fetched from the same
# server as the jar would catch a damaged download but not a replaced one. A version with
# no pinned digest is refused; pin one only after checking the jar (its .asc signature or
# its digest from a second source).
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
if [ -s "$DEST_DIR/$JAR" ] && [ "$(sha256sum "$DEST_DIR/$JAR" | cut -d' ' -f1)" = "$want" ]; then
  echo "deequ: $DEST_DIR/$JAR present"
  exit 0
fi
echo "deequ: fetching $URL"
curl -fsSL --retry 3 --max-time 300 -o "$DEST_DIR/$JAR.part" "$URL"
got="$(sha256sum "$DEST_DIR/$JAR.part" | cut -d' ' -f1)"
if [ "$want" != "$got" ]; then
  echo "deequ: SHA-256 mismatch for $JAR (pinned $want, got $got)" >&2
  rm -f "$DEST_DIR/$JAR.part"
  exit 1
fi
mv "$DEST_DIR/$JAR.part" "$DEST_DIR/$JAR"
echo "deequ: installed $DEST_DIR/$JAR"
