#!/usr/bin/env bash
# Fetch the Deequ jar for the pinned Spark line from Maven Central (idempotent).
# Used by `make setup`, CI and the Dockerfile alike.
set -euo pipefail
DEEQU_VERSION="${DEEQU_VERSION:-2.1.0-spark-3.5}"
DEST_DIR="${1:-${DEEQU_JAR_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.deequ}}"
JAR="deequ-${DEEQU_VERSION}.jar"
URL="https://repo1.maven.org/maven2/com/amazon/deequ/deequ/${DEEQU_VERSION}/${JAR}"
mkdir -p "$DEST_DIR"
if [ -s "$DEST_DIR/$JAR" ] && [ -s "$DEST_DIR/$JAR.sha1" ] \
   && [ "$(sha1sum "$DEST_DIR/$JAR" | cut -d' ' -f1)" = "$(cat "$DEST_DIR/$JAR.sha1")" ]; then
  echo "deequ: $DEST_DIR/$JAR present"
  exit 0
fi
echo "deequ: fetching $URL"
curl -fsSL --retry 3 --max-time 300 -o "$DEST_DIR/$JAR.part" "$URL"
curl -fsSL --retry 3 --max-time 60 -o "$DEST_DIR/$JAR.sha1.part" "$URL.sha1"
want="$(cut -d' ' -f1 < "$DEST_DIR/$JAR.sha1.part")"
got="$(sha1sum "$DEST_DIR/$JAR.part" | cut -d' ' -f1)"
if [ "$want" != "$got" ]; then
  echo "deequ: checksum mismatch for $JAR (want $want, got $got)" >&2
  rm -f "$DEST_DIR/$JAR.part" "$DEST_DIR/$JAR.sha1.part"
  exit 1
fi
mv "$DEST_DIR/$JAR.part" "$DEST_DIR/$JAR"
printf '%s\n' "$want" > "$DEST_DIR/$JAR.sha1"
rm -f "$DEST_DIR/$JAR.sha1.part"
echo "deequ: installed $DEST_DIR/$JAR"
