#!/usr/bin/env bash
# Makes the pgvector extension available to the local PostgreSQL (idempotent: does nothing when
# the server already offers it). Debian 12 packages no pgvector for PostgreSQL 15, so unless the
# release has a `postgresql-<major>-pgvector` binary package, this builds Debian's own pgvector
# source package (from the next release's source archive, fetched with `apt-get source`) against
# this server's headers, and installs it. Needs root and Debian's package archive; ~20 s to build.
set -euo pipefail

MAJOR="$(ls /etc/postgresql | sort -n | tail -n 1)"
PG_CONFIG="/usr/lib/postgresql/$MAJOR/bin/pg_config"
if [ -f "/usr/share/postgresql/$MAJOR/extension/vector.control" ]; then
  echo "pgvector is already installed for PostgreSQL $MAJOR"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if apt-cache show "postgresql-$MAJOR-pgvector" >/dev/null 2>&1; then
  apt-get install -y -qq "postgresql-$MAJOR-pgvector"
  exit 0
fi

apt-get install -y -qq "postgresql-server-dev-$MAJOR" build-essential dpkg-dev >/dev/null 2>&1
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# A private apt state for one source list, so the machine's own sources are left as they are.
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/src"
cat >"$WORK/pgvector.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
APT_OPTS=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$WORK/pgvector.sources" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$WORK/lists" -o "Dir::Cache=$WORK/cache")
apt-get "${APT_OPTS[@]}" update -qq
(cd "$WORK/src" && apt-get "${APT_OPTS[@]}" source -qq pgvector >/dev/null 2>&1)
SRC="$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
# OPTFLAGS="": no -march=native, so the library runs on any machine of this kind.
make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null
echo "pgvector $(basename "$SRC" | sed 's/^pgvector-//') built and installed for PostgreSQL $MAJOR"
