#!/usr/bin/env bash
# scripts/tempest.sh [--regex REGEX] [--concurrency N] [--keep] [--no-build]: runs OpenStack's Tempest (Debian's
# `tempest` package, 33.x, matching Nova 26 / microversion 2.93) against a Novaflow stack of its
# own, and exits non-zero when a test failed.
#
# - installs tempest through scripts/apt-install.sh (a no-op when present);
# - builds (unless --no-build: `npm test` has built, and other tests run from dist/), then starts
#   `node dist/scripts/start.js` with its own NOVAFLOW_DATA_DIR under a temp
#   directory, free ports for the API and the embedded PostgreSQL, and a Temporal dev server of
#   its own on free ports given as TEMPORAL_ADDRESS (start.ts would always take 7233/8233);
# - writes a tempest workspace with pre-provisioned credentials (admin, demo, and a second admin
#   and three members this script creates through the identity API);
# - runs the compute API tests of the features Novaflow has, minus scripts/tempest-exclude.txt;
# - prints passed/failed/skipped and the failing test ids; stops everything it started on exit.
#
# Environment: TEMPEST_REGEX, TEMPEST_CONCURRENCY (default 1), TEMPEST_KEEP=1 keeps the temp dir.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXCLUDE_LIST="$ROOT/scripts/tempest-exclude.txt"
CONCURRENCY=${TEMPEST_CONCURRENCY:-1}
KEEP=${TEMPEST_KEEP:-0}
BUILD=1
REGEX=${TEMPEST_REGEX:-'^tempest\.api\.compute\.(flavors|keypairs|limits|test_quotas|security_groups|test_extensions|test_versions|servers\.(test_servers|test_servers_negative|test_create_server|test_delete_server|test_server_actions|test_list_server_filters|test_list_servers_negative|test_server_metadata|test_server_metadata_negative|test_instance_actions|test_instance_actions_negative|test_server_tags|test_server_group|test_server_addresses|test_server_addresses_negative|test_availability_zone|test_multiple_create|test_multiple_create_negative)|admin\.(test_migrations|test_live_migration|test_live_migration_negative|test_aggregates|test_aggregates_negative|test_hypervisor|test_hypervisor_negative|test_services|test_services_negative|test_flavors|test_flavors_access|test_flavors_access_negative|test_flavors_extra_specs|test_flavors_extra_specs_negative|test_flavors_microversions|test_quotas|test_quotas_negative|test_availability_zone|test_availability_zone_negative|test_keypairs_v210|test_create_server|test_delete_server|test_servers|test_servers_negative))\.'}
while [ $# -gt 0 ]; do
  case $1 in
    --regex) REGEX=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --no-build) BUILD=0; shift ;;
    *) echo "usage: $0 [--regex REGEX] [--concurrency N] [--keep] [--no-build]" >&2; exit 2 ;;
  esac
done

say() { printf '[tempest.sh] %s\n' "$*"; }
STARTED=$(date +%s)

# 1. Tempest.
rc=0
"$ROOT/scripts/apt-install.sh" tempest || rc=$?
if [ "$rc" != 0 ]; then
  say "cannot install Debian's tempest (apt-install.sh exited with $rc)"
  exit 1
fi

# 2. A stack of our own.
WORK=$(mktemp -d /tmp/novaflow-tempest.XXXXXX)
DATA="$WORK/data"
WS="$WORK/workspace"
mkdir -p "$DATA"
STACK_PID=''
TEMPORAL_PID=''

stop_group() { # pid name: SIGTERM its process group, SIGKILL after 20 s
  local pid=$1 name=$2 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  say "stopping $name (process group $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_group "$STACK_PID" 'the Novaflow stack'
  stop_group "$TEMPORAL_PID" 'the Temporal dev server'
  [ -z "${WS_NAME:-}" ] || tempest workspace remove --name "$WS_NAME" >/dev/null 2>&1 || true
  if [ "$KEEP" = 1 ] || [ "$rc" != 0 ]; then
    say "kept $WORK (stack log: $WORK/stack.log, tempest log: $WS/tempest.log)"
  else
    rm -rf "$WORK"
  fi
  say "took $(($(date +%s) - STARTED)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
API_PORT=$(free_port)
PG_PORT=$(free_port)
TEMPORAL_PORT=$(free_port)
while [ "$PG_PORT" = "$API_PORT" ]; do PG_PORT=$(free_port); done
while [ "$TEMPORAL_PORT" = "$API_PORT" ] || [ "$TEMPORAL_PORT" = "$PG_PORT" ]; do TEMPORAL_PORT=$(free_port); done
BASE="http://127.0.0.1:$API_PORT"

if [ "$BUILD" = 1 ]; then
  say "building"
  (cd "$ROOT" && npm run --silent build)
fi

# The Temporal dev server: start.ts always asks for 7233/8233, so run our own (headless, in
# memory, its HTTP port chosen by the CLI next to the gRPC one) and hand it over as TEMPORAL_ADDRESS.
TEMPORAL_CLI=${TEMPORAL_CLI:-$(command -v temporal || echo "$ROOT/.tools/temporal/bin/temporal")}
[ -x "$TEMPORAL_CLI" ] || { say "no Temporal CLI (run npm start once, or set TEMPORAL_CLI)"; exit 1; }
TEMPORAL_HTTP_PORT=$(free_port)
setsid "$TEMPORAL_CLI" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --http-port "$TEMPORAL_HTTP_PORT" \
  --headless --log-level warn \
  --search-attribute InstanceUuid=Keyword --search-attribute ProjectId=Keyword \
  --search-attribute ComputeHost=Keyword --search-attribute Operation=Keyword \
  >"$WORK/temporal.log" 2>&1 &
TEMPORAL_PID=$!
for i in $(seq 1 120); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $TEMPORAL_PORT), 1)" 2>/dev/null && break
  kill -0 "$TEMPORAL_PID" 2>/dev/null || { say "the Temporal dev server exited; see $WORK/temporal.log"; exit 1; }
  sleep 0.5
done

cat >"$WORK/novaflow.conf" <<EOF
[DEFAULT]
report_interval = 2
service_down_time = 30
[quota]
instances = -1
cores = -1
ram = -1
key_pairs = -1
server_groups = -1
server_group_members = -1
EOF

say "starting Novaflow on $BASE (PostgreSQL :$PG_PORT, Temporal :$TEMPORAL_PORT), data in $DATA"
(
  cd "$ROOT"
  export NOVAFLOW_DATA_DIR="$DATA" NOVAFLOW_API_PORT="$API_PORT" NOVAFLOW_PG_PORT="$PG_PORT" \
    NOVAFLOW_CONFIG="$WORK/novaflow.conf" NOVAFLOW_FAKE_HOSTS=3 TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
  unset DATABASE_URL NOVAFLOW_PUBLIC_URL NOVAFLOW_API_HOST
  exec setsid node dist/scripts/start.js
) >"$WORK/stack.log" 2>&1 &
STACK_PID=$!
healthy=0
for i in $(seq 1 240); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz" || true)" = 200 ]; then healthy=1; break; fi
  kill -0 "$STACK_PID" 2>/dev/null || break
  sleep 0.5
done
if [ "$healthy" != 1 ]; then
  say "Novaflow did not become healthy; last lines of $WORK/stack.log:"
  tail -n 30 "$WORK/stack.log" >&2
  exit 1
fi
say "Novaflow is healthy"

# 3. The tempest workspace. Pre-provisioned accounts: the seeded admin and demo, plus a second
# admin and three more members this script creates (each in a project of its own), so that two
# workers and the tests that need an alt user never run out of accounts.
# A workspace name is global (~/.tempest/workspace.yaml): use the temp dir's, and unregister it at exit.
WS_NAME=$(basename "$WORK")
(cd "$WORK" && tempest init --name "$WS_NAME" "$WS" >/dev/null) || { say "tempest init failed; see $WORK/tempest.log"; exit 1; }
export BASE DATA WS
cat >"$WORK/accounts.py" <<'PY'
import json, os, secrets as rnd, urllib.request
base, data, ws = os.environ['BASE'], os.environ['DATA'], os.environ['WS']
stored = json.load(open(os.path.join(data, 'secrets.json')))

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={'Content-Type': 'application/json', **({'X-Auth-Token': token} if token else {})})
    with urllib.request.urlopen(req) as res:
        raw = res.read()
        return res.headers, (json.loads(raw) if raw else None)

headers, _ = call('POST', '/identity/v3/auth/tokens', {'auth': {
    'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'admin', 'domain': {'id': 'default'}, 'password': stored['adminPassword']}}},
    'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}})
token = headers['X-Subject-Token']
_, roles = call('GET', '/identity/v3/roles', None, token)
role_ids = {r['name']: r['id'] for r in roles['roles']}
accounts = [('admin', 'admin', stored['adminPassword'], 'admin'),
            ('demo', 'demo', stored['demoPassword'], 'member')]
for name, role in [('tempest_admin2', 'admin'), ('alt_demo', 'member'),
                   ('tempest_member3', 'member'), ('tempest_member4', 'member')]:
    password = rnd.token_urlsafe(12)
    _, project = call('POST', '/identity/v3/projects', {'project': {'name': name, 'domain_id': 'default'}}, token)
    pid = project['project']['id']
    _, user = call('POST', '/identity/v3/users', {'user': {
        'name': name, 'domain_id': 'default', 'password': password, 'default_project_id': pid}}, token)
    call('PUT', f"/identity/v3/projects/{pid}/users/{user['user']['id']}/roles/{role_ids[role]}", None, token)
    accounts.append((name, name, password, role))
with open(os.path.join(ws, 'etc', 'accounts.yaml'), 'w') as f:
    for user, project, password, role in accounts:
        f.write(f"- username: {user}\n  project_name: {project}\n  password: '{password}'\n"
                f"  domain_name: Default\n  roles: [{role}]\n")
_, images = call('GET', '/image/v2/images', None, token)
print(f"IMAGE_ID={next(i['id'] for i in images['images'] if i['name'] == 'cirros')}")
print(f"ADMIN_PASSWORD={stored['adminPassword']}")
PY
python3 "$WORK/accounts.py" >"$WORK/accounts.env"
# shellcheck disable=SC1091
. "$WORK/accounts.env"
say "cirros image $IMAGE_ID; accounts in $WS/etc/accounts.yaml"
cat >"$WS/etc/tempest.conf" <<EOF
[DEFAULT]
log_dir = $WS
log_file = tempest.log
debug = true

[auth]
use_dynamic_credentials = false
test_accounts_file = $WS/etc/accounts.yaml
default_credentials_domain_name = Default
create_isolated_networks = false
admin_username = admin
admin_password = $ADMIN_PASSWORD
admin_project_name = admin
admin_domain_name = Default

[identity]
uri_v3 = $BASE/identity/v3
auth_version = v3
region = RegionOne
v3_endpoint_type = public
admin_role = admin

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
nova = true
glance = true
neutron = true
cinder = false
swift = false
heat = false
horizon = false

[compute]
image_ref = $IMAGE_ID
image_ref_alt = $IMAGE_ID
flavor_ref = 1
flavor_ref_alt = 2
fixed_network_name = private
min_microversion = 2.1
max_microversion = 2.93
build_timeout = 60
build_interval = 1
region = RegionOne
endpoint_type = publicURL
min_compute_nodes = 3
compute_volume_common_az =

[compute-feature-enabled]
resize = true
cold_migration = true
live_migration = true
block_migration_for_live_migration = false
can_migrate_between_any_hosts = false
rescue = false
shelve = false
shelve_migrate = false
snapshot = false
console_output = true
interface_attach = false
attach_encrypted_volume = false
vnc_console = false
spice_console = false
serial_console = false
rdp_console = false
pause = true
suspend = true
change_password = false
personality = false
config_drive = false
metadata_service = false
disk_config = false
swap_volume = false
volume_multiattach = false
volume_backed_live_migration = false
hostname_fqdn_sanitization = false
unified_limits = false
cinder_az_fallback = false
scheduler_enabled_filters = AvailabilityZoneFilter,ComputeFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter,SameHostFilter,DifferentHostFilter

[image]
region = RegionOne

[image-feature-enabled]
api_v1 = false
api_v2 = true

[network]
region = RegionOne
project_networks_reachable = false
shared_physical_network = true

[network-feature-enabled]
floating_ips = false
ipv6 = false
port_security = false

[validation]
run_validation = false
connect_method = fixed

[volume-feature-enabled]
api_v2 = false
api_v3 = false
EOF

# 4. The run.
say "tempest run --concurrency $CONCURRENCY --regex '$REGEX' --exclude-list $EXCLUDE_LIST"
set +e
(cd "$WS" && tempest run --concurrency "$CONCURRENCY" --regex "$REGEX" --exclude-list "$EXCLUDE_LIST") \
  >"$WS/run.out" 2>&1
run_rc=$?
set -e
say "tempest exited with $run_rc; full output in $WS/run.out (kept with --keep or on failure)"

# 5. The summary, from the stestr repository of the run.
cd "$WS"
stestr last --subunit >"$WS/last.subunit" 2>/dev/null || true
/usr/bin/python3 - "$WS/last.subunit" <<'PY'
import sys, subunit, testtools
passed, failed, skipped = [], [], []
class Result(testtools.StreamResult):
    def status(self, test_id=None, test_status=None, **kw):
        if test_status == 'success': passed.append(test_id)
        elif test_status in ('fail', 'uxsuccess'): failed.append(test_id)
        elif test_status == 'skip': skipped.append(test_id)
stream = subunit.ByteStreamToStreamResult(open(sys.argv[1], 'rb'), non_subunit_name='stdout')
result = Result(); result.startTestRun(); stream.run(result); result.stopTestRun()
print(f'passed {len(passed)}, failed {len(failed)}, skipped {len(skipped)}')
for test_id in sorted(failed): print(f'FAILED {test_id}')
PY
grep -E '^(Ran: | - (Passed|Skipped|Failed):)' "$WS/run.out" || true
exit "$run_rc"
