#!/usr/bin/env bash
# Brings every engine Strata runs onto this machine, idempotently:
# Node.js 22, the npm dependencies, the Pulumi CLI (built from the Go module
# proxy), Trino 476 with a JDK >= 24, PostgreSQL 15; then builds the
# TypeScript packages and records absolute paths in $STRATA_CACHE/toolchain.json.
#
#   scripts/setup.sh               what the local target (and the demo) needs
#   scripts/setup.sh --kubernetes  also the Kubernetes target's tools (the Pulumi Kubernetes
#                                  provider; etcd and the API server for its tests)
#   scripts/setup.sh --tests       also the standards the tests check against (Argo's CRDs,
#                                  OpenLineage's schemas): what scripts/test.sh runs
#
# Everything downloaded or built is cached outside the clone, in
# $STRATA_CACHE (default: ${XDG_CACHE_HOME:-~/.cache}/strata). Point it at an
# empty directory to try a cold run.
set -euo pipefail

NODE_VERSION=22.23.3
PULUMI_VERSION=3.274.1
TRINO_VERSION=476
POSTGRES_MAJOR=15
MIN_JAVA=24
# The `kubernetes` target's tests run a real API server and the Pulumi Kubernetes provider.
ETCD_VERSION=3.7.3
KUBERNETES_VERSION=1.37.2
# The only provider module the Go proxy serves; its code sits between npm 4.23.0 and 4.24.1,
# and it is stamped 4.24.1 to pair with the pinned npm @pulumi/kubernetes.
KUBERNETES_PROVIDER_MODULE=v4.0.0-20260115033456-f47bc2d6f199
KUBERNETES_PROVIDER_VERSION=4.24.1
# Standards the tests check our output against, as data files: Argo Workflows' and cert-manager's own CRDs (from their Go
# modules; nothing of them is built or run) and the OpenLineage 2-0-2 JSON Schemas (the only registry
# package shipping them unchanged is a Rust crate's test data).
ARGO_WORKFLOWS_VERSION=4.0.5
CERT_MANAGER_VERSION=1.21.2
OPENLINEAGE_CRATE=datafusion-openlineage@0.0.12
# The Open Data Contract Standard's official JSON Schema (v3.1.0), which Contracts are checked against:
# the standard's own Python package on PyPI ships it.
ODCS_PACKAGE=open-data-contract-standard==3.1.2
ODCS_SCHEMA_SHA256=2cb7dd6fe43344d2233e0406438622681dc3ebadcf8f0d606a15b40c8f6752c0
# Supervisor (supervisord), which keeps the local target's engines running: pure Python, from PyPI.
SUPERVISOR_VERSION=4.3.0
SUPERVISOR_WHEEL_SHA256=0bcb763fddafba410f35cbde226aa7f8514b9fb82eb05a0c85f6588d1c13f8db
# The identity tests' OpenID Connect provider (--tests): Keycloak's distribution from Maven Central,
# built once here for its file database, so each test starts it in seconds.
KEYCLOAK_VERSION=26.7.3

KUBERNETES_TOOLS=false
TEST_STANDARDS=false
for arg in "$@"; do
  case "$arg" in
    --kubernetes) KUBERNETES_TOOLS=true ;;
    --tests) KUBERNETES_TOOLS=true; TEST_STANDARDS=true ;;
    *) echo "setup: unknown argument $arg (use --kubernetes or --tests)" >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${STRATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strata}
mkdir -p "$CACHE/logs"
CACHE=$(cd "$CACHE" && pwd)
STEPS=11
[ "$KUBERNETES_TOOLS" = true ] && STEPS=$((STEPS + 1))
[ "$TEST_STANDARDS" = true ] && STEPS=$((STEPS + 3))
STEP=0
STARTED=$(date +%s)

die() { echo "setup: $*" >&2; exit 1; }
step() { STEP=$((STEP + 1)); STEP_STARTED=$(date +%s); printf '[setup %d/%d] %s ... ' "$STEP" "$STEPS" "$1"; }
done_step() {
  if [ -f "$CACHE/.progress-open" ]; then printf '\n  '; rm -f "$CACHE/.progress-open"; fi
  echo "${1:-ok} ($(($(date +%s) - STEP_STARTED)) s)"
}
# Runs a noisy command with its output in a log; on failure shows the tail and the log's path.
# Every 10 s it prints a progress line (what, elapsed, where the log is), so long builds are never silent.
logged() {
  local name="$1" log="$CACHE/logs/$1.log"; shift
  "$@" >"$log" 2>&1 &
  local pid=$! started=$SECONDS status=0
  while kill -0 "$pid" 2>/dev/null; do
    # 50 x 0.2 s: a quick command costs no more than a fifth of a second here.
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      printf '\n  ... %s: %d s so far (log: %s)' "$name" "$((SECONDS - started))" "$log"
      # Steps run their commands in subshells: a file, not a variable, tells done_step a line is open.
      touch "$CACHE/.progress-open"
    fi
  done
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "failed"; tail -n 20 "$log" >&2
    die "step failed: $* (full log: $log)"
  fi
}
GO_BUILT=false

# One setup at a time per cache (the demo and the tests may start together).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock 9
fi

# --- Prerequisites: fail with one line naming what is missing and how to get it.
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js with npm (any version; setup fetches Node $NODE_VERSION itself), e.g. apt-get install -y npm"
command -v go >/dev/null 2>&1 || die "go not found: install Go >= 1.24 and put it on PATH (the Pulumi CLI is built from the Go module proxy)"
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven, e.g. apt-get install -y maven (Trino is fetched from Maven Central)"
command -v python3 >/dev/null 2>&1 || die "python3 not found: install it, e.g. apt-get install -y python3 (Trino's launcher needs it)"

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
find_java_home() {
  local candidate major
  for candidate in "${STRATA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$MIN_JAVA" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
JAVA_HOME_FOUND=$(find_java_home) || die "no JDK >= $MIN_JAVA found (looked at \$STRATA_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*): install one, e.g. a Temurin 25 JDK, and set STRATA_JAVA_HOME to it"

# --- 1. Node.js 22 from the npm package `node`, which ships the official binary.
step "Node.js $NODE_VERSION"
NODE_DIR="$CACHE/node/$NODE_VERSION"
if [ -x "$NODE_DIR/node_modules/.bin/node" ] && [ "$("$NODE_DIR/node_modules/.bin/node" --version)" = "v$NODE_VERSION" ]; then
  done_step "cached"
else
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$NODE_DIR/package.json"
  logged node npm install --prefix "$NODE_DIR" --cache "$CACHE/npm" --no-audit --no-fund "node@$NODE_VERSION"
  done_step
fi
export PATH="$NODE_DIR/node_modules/.bin:$PATH"

# --- 2. npm dependencies, reinstalled only when package-lock.json changed.
step "npm dependencies"
LOCK_HASH=$(sha256sum "$REPO/package-lock.json" | cut -d' ' -f1)
STAMP="$REPO/node_modules/.strata-lock-sha256"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_HASH" ]; then
  done_step "up to date"
else
  (cd "$REPO" && logged npm npm ci --cache "$CACHE/npm" --no-audit --no-fund)
  echo "$LOCK_HASH" >"$STAMP"
  done_step
fi

# --- 3. Pulumi CLI, built from its Go module (the vendor's downloads are unreachable).
step "Pulumi CLI v$PULUMI_VERSION"
PULUMI_ROOT="$CACHE/pulumi/v$PULUMI_VERSION"
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-buildvcs=false
if [ -x "$PULUMI_ROOT/bin/pulumi" ] && [ "$("$PULUMI_ROOT/bin/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
  done_step "cached"
else
  WRAPPER="$CACHE/go/pulumi-cli-$PULUMI_VERSION"
  rm -rf "$WRAPPER"; mkdir -p "$WRAPPER" "$PULUMI_ROOT/bin"
  (
    cd "$WRAPPER"
    logged pulumi-mod go mod init strata-pulumi-cli
    # The upstream clipboard module is not served; this fork is API-identical.
    logged pulumi-mod go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    logged pulumi-get go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    # Without the version stamp `pulumi version` prints nothing and the Automation API refuses the CLI.
    logged pulumi-build go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$PULUMI_ROOT/bin/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  mv "$PULUMI_ROOT/bin/pulumi.tmp" "$PULUMI_ROOT/bin/pulumi"
  rm -rf "$WRAPPER"
  GO_BUILT=true
  done_step "built"
fi

# --- 4. JDK (found above).
step "JDK >= $MIN_JAVA"
done_step "$JAVA_HOME_FOUND"

# --- 5. Trino server from Maven Central (the archive hard-links jars across plugins: extract it whole).
step "Trino $TRINO_VERSION"
TRINO_HOME="$CACHE/trino/$TRINO_VERSION"
if [ -x "$TRINO_HOME/bin/launcher" ] && [ -f "$TRINO_HOME/.complete" ]; then
  done_step "cached"
else
  M2="$CACHE/m2"
  logged trino-download mvn -B -q dependency:get -Dmaven.repo.local="$M2" \
    -Dartifact="io.trino:trino-server:$TRINO_VERSION:tar.gz" -Dtransitive=false
  ARCHIVE="$M2/io/trino/trino-server/$TRINO_VERSION/trino-server-$TRINO_VERSION.tar.gz"
  rm -rf "$TRINO_HOME" "$TRINO_HOME.tmp"; mkdir -p "$TRINO_HOME.tmp"
  logged trino-extract tar -xzf "$ARCHIVE" -C "$TRINO_HOME.tmp" --strip-components=1
  mv "$TRINO_HOME.tmp" "$TRINO_HOME"
  touch "$TRINO_HOME/.complete"
  # The unpacked server is the cache; the 784 MB archive is not needed again.
  rm -rf "$M2/io/trino/trino-server"
  done_step "installed"
fi

# --- The JDK's ahead-of-time cache of that Trino (a training run of the server): Clusters start
# about 40 % faster with it. Not fatal: without it they start the slower way.
step "Trino start-up cache (JDK ahead-of-time cache)"
JAVA_RELEASE=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$JAVA_HOME_FOUND/release")
TRINO_AOT="$TRINO_HOME/aot/jdk-$JAVA_RELEASE.aot"
if [ -f "$TRINO_AOT" ]; then
  done_step "cached"
else
  mkdir -p "$TRINO_HOME/aot"
  # (About 45 s: the server starts, runs one query and stops, and the JVM writes the cache as it exits.)
  if node "$REPO/scripts/trino-aot-cache.mjs" "$TRINO_HOME" "$JAVA_HOME_FOUND" "$TRINO_AOT" >"$CACHE/logs/trino-aot.log" 2>&1; then
    done_step "built"
  else
    done_step "skipped (see $CACHE/logs/trino-aot.log): Clusters start without it"
  fi
fi

# --- 6. PostgreSQL server binaries from Debian.
step "PostgreSQL $POSTGRES_MAJOR"
PG_BIN="/usr/lib/postgresql/$POSTGRES_MAJOR/bin"
if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; then
  done_step "present"
else
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL $POSTGRES_MAJOR server not found in $PG_BIN and no apt-get: install the postgresql-$POSTGRES_MAJOR package"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  logged postgres-apt-update $SUDO apt-get update
  logged postgres-apt-install env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "postgresql-$POSTGRES_MAJOR"
  [ -x "$PG_BIN/initdb" ] || die "postgresql-$POSTGRES_MAJOR installed but $PG_BIN/initdb is missing"
  done_step "installed"
fi

# --- 7. The ODCS v3.1 JSON Schema, from the standard's package on PyPI (a wheel is a zip file).
step "ODCS v3.1 JSON Schema"
ODCS_DIR="$CACHE/schemas/${ODCS_PACKAGE/==/-}"
ODCS_TARGET="$REPO/packages/user-kernel/schemas/odcs-v3.1.0.schema.json"
if [ ! -f "$ODCS_DIR/schema.json" ]; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found: install Python 3 with pip, e.g. apt-get install -y python3-pip (it fetches the ODCS schema from PyPI)"
  rm -rf "$ODCS_DIR.tmp"; mkdir -p "$ODCS_DIR.tmp"
  logged odcs-download python3 -m pip download --no-deps --no-cache-dir --disable-pip-version-check -q "$ODCS_PACKAGE" -d "$ODCS_DIR.tmp"
  python3 -c 'import sys, zipfile, glob; sys.stdout.buffer.write(zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]).read("open_data_contract_standard/schema.json"))' \
    "$ODCS_DIR.tmp" >"$ODCS_DIR.tmp/schema.json" || die "the package $ODCS_PACKAGE holds no open_data_contract_standard/schema.json"
  echo "$ODCS_SCHEMA_SHA256  $ODCS_DIR.tmp/schema.json" | sha256sum -c --quiet - || die "the ODCS schema of $ODCS_PACKAGE is not the expected file"
  rm -f "$ODCS_DIR.tmp"/*.whl; rm -rf "$ODCS_DIR"; mv "$ODCS_DIR.tmp" "$ODCS_DIR"
  FETCHED=fetched
else
  FETCHED=cached
fi
mkdir -p "$(dirname "$ODCS_TARGET")"
cmp -s "$ODCS_DIR/schema.json" "$ODCS_TARGET" || cp "$ODCS_DIR/schema.json" "$ODCS_TARGET"
done_step "$FETCHED"

# --- 8. Supervisor, the process supervisor of the local target's engines (a wheel checked by its sha256,
# installed into the cache; `bin/python3` names the interpreter it runs on).
step "Supervisor $SUPERVISOR_VERSION"
SUPERVISOR_HOME="$CACHE/supervisor/$SUPERVISOR_VERSION"
if [ -f "$SUPERVISOR_HOME/.complete" ] && "$SUPERVISOR_HOME/bin/python3" -c 'import sys; sys.path.insert(0, sys.argv[1]); import supervisor.xmlrpc' "$SUPERVISOR_HOME/lib" 2>/dev/null; then
  done_step "cached"
else
  rm -rf "$SUPERVISOR_HOME.tmp"; mkdir -p "$SUPERVISOR_HOME.tmp/bin"
  logged supervisor-download python3 -m pip download --no-deps --no-cache-dir --disable-pip-version-check -q "supervisor==$SUPERVISOR_VERSION" -d "$SUPERVISOR_HOME.tmp/wheel"
  echo "$SUPERVISOR_WHEEL_SHA256  $SUPERVISOR_HOME.tmp/wheel/supervisor-$SUPERVISOR_VERSION-py2.py3-none-any.whl" | sha256sum -c --quiet - \
    || die "the downloaded supervisor $SUPERVISOR_VERSION wheel is not the expected file"
  # A wheel is a zip file: unpacking it is the whole installation of a pure-Python package.
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$SUPERVISOR_HOME.tmp/wheel/supervisor-$SUPERVISOR_VERSION-py2.py3-none-any.whl" "$SUPERVISOR_HOME.tmp/lib"
  rm -rf "$SUPERVISOR_HOME.tmp/wheel"
  # The interpreter itself, not a version manager's shim in front of it (each call through a shim costs time).
  ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$SUPERVISOR_HOME.tmp/bin/python3"
  touch "$SUPERVISOR_HOME.tmp/.complete"
  rm -rf "$SUPERVISOR_HOME"; mv "$SUPERVISOR_HOME.tmp" "$SUPERVISOR_HOME"
  done_step "installed"
fi

# --- Kubernetes toolchain (--kubernetes, --tests): etcd, kube-apiserver, kube-controller-manager, kubectl and
# the Pulumi Kubernetes provider, built from the Go module proxy (no vendor downloads here).
KUBE_ROOT="$CACHE/kubernetes/v$KUBERNETES_VERSION-etcd$ETCD_VERSION-provider$KUBERNETES_PROVIDER_VERSION"
KUBE_BIN="$KUBE_ROOT/bin"
# The provider is installed into a PULUMI_HOME of our own so the engine never tries to download it.
KUBE_PLUGIN_HOME="$KUBE_ROOT/pulumi-home"
KUBE_PLUGIN_DIR="$KUBE_PLUGIN_HOME/plugins/resource-kubernetes-v$KUBERNETES_PROVIDER_VERSION"
kubernetes_ready() { [ -f "$KUBE_ROOT/.complete" ] && [ -x "$KUBE_PLUGIN_DIR/pulumi-resource-kubernetes" ]; }
if [ "$KUBERNETES_TOOLS" = true ]; then
step "Kubernetes v$KUBERNETES_VERSION, etcd v$ETCD_VERSION, Kubernetes provider v$KUBERNETES_PROVIDER_VERSION"
if kubernetes_ready; then
  done_step "cached"
else
  mkdir -p "$KUBE_BIN"
  echo
  if [ ! -x "$KUBE_BIN/etcd" ]; then
    printf '  etcd ... '
    WRAPPER="$CACHE/go/etcd-$ETCD_VERSION"; rm -rf "$WRAPPER"; mkdir -p "$WRAPPER"
    (
      cd "$WRAPPER"
      logged etcd-mod go mod init strata-etcd
      logged etcd-get go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
      logged etcd-build go build -o "$KUBE_BIN/etcd.tmp" go.etcd.io/etcd/server/v3
    )
    mv "$KUBE_BIN/etcd.tmp" "$KUBE_BIN/etcd"; rm -rf "$WRAPPER"
    echo "built ($(($(date +%s) - STEP_STARTED)) s)"
  fi
  if [ ! -x "$KUBE_BIN/kubectl" ]; then
    printf '  kube-apiserver, kube-controller-manager, kubectl ... '
    WRAPPER="$CACHE/go/kubernetes-$KUBERNETES_VERSION"; rm -rf "$WRAPPER"; mkdir -p "$WRAPPER"
    (
      cd "$WRAPPER"
      logged kubernetes-mod go mod init strata-kubernetes
      logged kubernetes-download go mod download "k8s.io/kubernetes@v$KUBERNETES_VERSION"
      # k8s.io/kubernetes points its staging modules at ./staging; use the published twins instead.
      K8S_MOD=$(go env GOMODCACHE)/k8s.io/kubernetes@v$KUBERNETES_VERSION/go.mod
      for module in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$K8S_MOD"); do
        go mod edit -replace "$module=$module@v0.${KUBERNETES_VERSION#1.}"
      done
      go mod edit -require "k8s.io/kubernetes@v$KUBERNETES_VERSION"
      logged kubernetes-get go get k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
      # Without the version stamp (in both packages) the server reports an unparseable version.
      LDFLAGS=""
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        LDFLAGS="$LDFLAGS -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
        LDFLAGS="$LDFLAGS -X $pkg.gitTreeState=clean -X $pkg.gitCommit=v$KUBERNETES_VERSION -X $pkg.buildDate=1970-01-01T00:00:00Z"
      done
      for cmd in kube-apiserver kube-controller-manager kubectl; do
        logged "kubernetes-build-$cmd" go build -ldflags "$LDFLAGS" -o "$KUBE_BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
        mv "$KUBE_BIN/$cmd.tmp" "$KUBE_BIN/$cmd"
      done
    )
    rm -rf "$WRAPPER"
    echo "built ($(($(date +%s) - STEP_STARTED)) s)"
  fi
  if [ ! -x "$KUBE_PLUGIN_DIR/pulumi-resource-kubernetes" ]; then
    printf '  pulumi-resource-kubernetes ... '
    WRAPPER="$CACHE/go/pulumi-kubernetes-$KUBERNETES_PROVIDER_VERSION"; rm -rf "$WRAPPER"; mkdir -p "$WRAPPER"
    (
      cd "$WRAPPER"
      logged kprovider-mod go mod init strata-pulumi-kubernetes
      logged kprovider-get go get "github.com/pulumi/pulumi-kubernetes/provider/v4@$KUBERNETES_PROVIDER_MODULE"
      # The main package embeds schema files that the module zip lacks: generate them beside a copy.
      SRC=$(go env GOMODCACHE)/github.com/pulumi/pulumi-kubernetes/provider/v4@$KUBERNETES_PROVIDER_MODULE/cmd/pulumi-resource-kubernetes
      cp -r "$SRC" ./cmd; chmod -R u+w ./cmd
      logged kprovider-tidy go mod tidy
      (cd cmd && logged kprovider-generate env VERSION="$KUBERNETES_PROVIDER_VERSION" go run generate.go)
      logged kprovider-build go build \
        -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
        -o "$KUBE_BIN/pulumi-resource-kubernetes" ./cmd
    )
    rm -rf "$WRAPPER" "$KUBE_PLUGIN_HOME"
    logged kprovider-install env PULUMI_HOME="$KUBE_PLUGIN_HOME" "$PULUMI_ROOT/bin/pulumi" plugin install resource kubernetes \
      "v$KUBERNETES_PROVIDER_VERSION" --file "$KUBE_BIN/pulumi-resource-kubernetes"
    rm -f "$KUBE_BIN/pulumi-resource-kubernetes"
    echo "built ($(($(date +%s) - STEP_STARTED)) s)"
  fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found: install it, e.g. apt-get install -y openssl (the Kubernetes test fixture makes its certificates with it)"
  touch "$KUBE_ROOT/.complete"
  GO_BUILT=true
  printf '  '; done_step "built"
fi
fi

# --- Standards' schemas for the tests (--tests): Argo's CRDs and OpenLineage's JSON Schemas.
SCHEMAS="$CACHE/schemas"
ARGO_CRDS="$SCHEMAS/argo-workflows-v$ARGO_WORKFLOWS_VERSION"
OPENLINEAGE_SCHEMAS="$SCHEMAS/openlineage-2-0-2"
CERT_MANAGER_CRDS="$SCHEMAS/cert-manager-v$CERT_MANAGER_VERSION"
standards_ready() {
  [ -f "$ARGO_CRDS/argoproj.io_cronworkflows.yaml" ] && [ -f "$OPENLINEAGE_SCHEMAS/OpenLineage.json" ] \
    && [ -f "$CERT_MANAGER_CRDS/cert-manager.io_certificates.yaml" ]
}
KEYCLOAK_HOME="$CACHE/keycloak/$KEYCLOAK_VERSION"
keycloak_ready() { [ -x "$KEYCLOAK_HOME/bin/kc.sh" ] && [ -f "$KEYCLOAK_HOME/.complete" ]; }
if [ "$TEST_STANDARDS" = true ]; then
step "Argo Workflows v$ARGO_WORKFLOWS_VERSION and cert-manager v$CERT_MANAGER_VERSION CRDs, OpenLineage 2-0-2 schemas"
if standards_ready; then
  done_step "cached"
else
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust's cargo, e.g. apt-get install -y cargo (it fetches the OpenLineage schemas from crates.io)"
  WRAPPER="$CACHE/go/argo-crds"; rm -rf "$WRAPPER"; mkdir -p "$WRAPPER"
  (
    cd "$WRAPPER"
    logged argo-mod go mod init strata-argo-crds
    logged argo-download go mod download "github.com/argoproj/argo-workflows/v4@v$ARGO_WORKFLOWS_VERSION"
    logged cert-manager-download go mod download "github.com/cert-manager/cert-manager@v$CERT_MANAGER_VERSION"
  )
  rm -rf "$WRAPPER" "$ARGO_CRDS.tmp"; mkdir -p "$ARGO_CRDS.tmp"
  cp "$GOMODCACHE/github.com/argoproj/argo-workflows/v4@v$ARGO_WORKFLOWS_VERSION/manifests/base/crds/full/argoproj.io_workflowtemplates.yaml" \
    "$GOMODCACHE/github.com/argoproj/argo-workflows/v4@v$ARGO_WORKFLOWS_VERSION/manifests/base/crds/full/argoproj.io_cronworkflows.yaml" "$ARGO_CRDS.tmp/"
  chmod 644 "$ARGO_CRDS.tmp"/*; rm -rf "$ARGO_CRDS"; mv "$ARGO_CRDS.tmp" "$ARGO_CRDS"
  rm -rf "$CERT_MANAGER_CRDS.tmp"; mkdir -p "$CERT_MANAGER_CRDS.tmp"
  cp "$GOMODCACHE/github.com/cert-manager/cert-manager@v$CERT_MANAGER_VERSION/deploy/crds/cert-manager.io_certificates.yaml" "$CERT_MANAGER_CRDS.tmp/"
  chmod 644 "$CERT_MANAGER_CRDS.tmp"/*; rm -rf "$CERT_MANAGER_CRDS"; mv "$CERT_MANAGER_CRDS.tmp" "$CERT_MANAGER_CRDS"
  logged openlineage-download env CARGO_HOME="$CACHE/cargo" cargo info -q "$OPENLINEAGE_CRATE"
  CRATE=$(ls "$CACHE"/cargo/registry/cache/*/"${OPENLINEAGE_CRATE/@/-}.crate" | head -n 1)
  rm -rf "$OPENLINEAGE_SCHEMAS.tmp"; mkdir -p "$OPENLINEAGE_SCHEMAS.tmp"
  tar -xzf "$CRATE" -C "$OPENLINEAGE_SCHEMAS.tmp" --strip-components=4 "${OPENLINEAGE_CRATE/@/-}/tests/schemas/openlineage"
  [ -f "$OPENLINEAGE_SCHEMAS.tmp/OpenLineage.json" ] || die "the crate $OPENLINEAGE_CRATE holds no OpenLineage.json"
  rm -rf "$OPENLINEAGE_SCHEMAS"; mv "$OPENLINEAGE_SCHEMAS.tmp" "$OPENLINEAGE_SCHEMAS"
  done_step "fetched"
fi

step "Keycloak $KEYCLOAK_VERSION (the identity tests' OpenID Connect provider)"
if keycloak_ready; then
  done_step "cached"
else
  M2="$CACHE/m2"
  logged keycloak-download mvn -B -q dependency:get -Dmaven.repo.local="$M2" \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -Dtransitive=false
  ARCHIVE="$M2/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  rm -rf "$KEYCLOAK_HOME" "$KEYCLOAK_HOME.tmp"; mkdir -p "$KEYCLOAK_HOME.tmp"
  logged keycloak-extract python3 -m zipfile -e "$ARCHIVE" "$KEYCLOAK_HOME.tmp"
  mv "$KEYCLOAK_HOME.tmp/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"; rm -rf "$KEYCLOAK_HOME.tmp"
  chmod +x "$KEYCLOAK_HOME"/bin/*.sh
  # Built for its file database: a test then runs `kc.sh start --optimized` with a database of its own.
  logged keycloak-build env JAVA_HOME="$JAVA_HOME_FOUND" "$KEYCLOAK_HOME/bin/kc.sh" build --db=dev-file
  rm -rf "$M2/org/keycloak/keycloak-quarkus-dist"
  touch "$KEYCLOAK_HOME/.complete"
  done_step "installed"
fi

# Debian's Chromium, which the console's tests drive with Playwright (playwright-core, no browser download).
step "Chromium (the console's browser tests)"
if [ -x /usr/bin/chromium ]; then
  done_step "present"
else
  command -v apt-get >/dev/null 2>&1 || die "/usr/bin/chromium not found and no apt-get: install Debian's chromium package"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  logged chromium-apt-update $SUDO apt-get update
  logged chromium-apt-install env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
  [ -x /usr/bin/chromium ] || die "chromium installed but /usr/bin/chromium is missing"
  done_step "installed"
fi
fi

# The Go build cache (gigabytes after the builds above) is not needed once the binaries exist.
if [ "$GO_BUILT" = true ]; then go clean -cache >/dev/null 2>&1 || true; fi

# --- Record the toolchain for the strata CLI, the tests and the benchmarks (what an earlier,
# wider run built is recorded too, so a plain run after --tests keeps it).
step "toolchain.json"
{
  echo "{"
  echo "  \"pulumiRoot\": \"$PULUMI_ROOT\","
  echo "  \"pulumiVersion\": \"$PULUMI_VERSION\","
  echo "  \"javaHome\": \"$JAVA_HOME_FOUND\","
  echo "  \"trinoHome\": \"$TRINO_HOME\","
  echo "  \"trinoVersion\": \"$TRINO_VERSION\","
  if kubernetes_ready; then
    echo "  \"kubernetesBin\": \"$KUBE_BIN\","
    echo "  \"kubernetesVersion\": \"$KUBERNETES_VERSION\","
    echo "  \"kubernetesPluginDir\": \"$KUBE_PLUGIN_DIR\","
    echo "  \"kubernetesProviderVersion\": \"$KUBERNETES_PROVIDER_VERSION\","
  fi
  if keycloak_ready; then
    echo "  \"keycloakHome\": \"$KEYCLOAK_HOME\","
  fi
  if standards_ready; then
    echo "  \"argoCrdDir\": \"$ARGO_CRDS\","
    echo "  \"certManagerCrdDir\": \"$CERT_MANAGER_CRDS\","
    echo "  \"openLineageSchemaDir\": \"$OPENLINEAGE_SCHEMAS\","
  fi
  echo "  \"supervisorHome\": \"$SUPERVISOR_HOME\","
  echo "  \"supervisorVersion\": \"$SUPERVISOR_VERSION\","
  echo "  \"postgresBin\": \"$PG_BIN\""
  echo "}"
} >"$CACHE/toolchain.json.tmp"
mv "$CACHE/toolchain.json.tmp" "$CACHE/toolchain.json"
done_step "$CACHE/toolchain.json"

# --- Compile the TypeScript packages and stack templates (incremental).
step "TypeScript build, the console's page"
(cd "$REPO" && logged build npx --no-install tsc -b && logged console-page npm run --silent build:web -w @strata/console)
done_step

PULUMI_SDK=$(node -p "require('$REPO/node_modules/@pulumi/pulumi/package.json').version")
echo "[setup] versions: Node $(node --version | tr -d v), Pulumi CLI $("$PULUMI_ROOT/bin/pulumi" version | tr -d v)," \
  "@pulumi/pulumi $PULUMI_SDK, Java $(java_major "$JAVA_HOME_FOUND") ($JAVA_HOME_FOUND)," \
  "Trino $TRINO_VERSION, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
echo "[setup] done in $(($(date +%s) - STARTED)) s; cache: $CACHE"
