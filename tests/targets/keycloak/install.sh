#!/usr/bin/env bash
# Installs Keycloak's server distribution (org.keycloak:keycloak-quarkus-dist, pinned below) from
# Maven Central, through Maven, unpacked into DEST (DEST/bin/kc.sh). Usage: install.sh DEST
# Idempotent: a DEST that already holds this version is left as it is. Keycloak 26 needs Java 21+;
# run.sh picks the JDK, this script needs only mvn, tar and sha1sum.
set -euo pipefail
VERSION=26.7.3
SHA1=4ff244668809213a1c91ad2505390287203029d0 # keycloak-quarkus-dist-26.7.3.tar.gz, as Maven Central lists it
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

dest="${1:?usage: install.sh DEST}"
if [[ -x "$dest/bin/kc.sh" && "$(cat "$dest/version.txt" 2>/dev/null)" == *"$VERSION"* ]]; then
  exit 0
fi

parent="$(dirname "$dest")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.keycloak-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# -C: refuse an artifact whose checksum does not match the repository's.
# Maven's output is shown only when it fails.
mvn -B -q -C "$DEP_PLUGIN:copy" \
  -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:tar.gz" \
  -DoutputDirectory="$tmp" -Dmdep.overWriteReleases=true >"$tmp/mvn.log" 2>&1 \
  || { cat "$tmp/mvn.log" >&2; exit 1; }
tarball="$tmp/keycloak-quarkus-dist-$VERSION.tar.gz"
echo "$SHA1  $tarball" | sha1sum -c --quiet -
# The local Maven repository need not keep a second copy of a 170 MB tarball.
rm -rf "${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}/org/keycloak/keycloak-quarkus-dist/$VERSION"

mkdir "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked" --strip-components=1
rm -f "$tarball"
rm -rf "$dest"
mv "$tmp/unpacked" "$dest"
