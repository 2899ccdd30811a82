#!/usr/bin/env bash
# Benchmarks for vault, each measured side by side with its baseline in the same run.
# Usage: Tests/Benchmarks/bench.sh [path/to/release/vault]
# Needs hyperfine, age and GNU time (make bench installs them). Prints markdown tables.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
vault=$(realpath "${1:-$root/.build/release/vault}")
[ -x "$vault" ] || { echo "build first: make build" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home XDG_CONFIG_HOME= XDG_DATA_HOME= VAULT_FILE= VAULT_IDENTITY= VAULT_PROJECT=
mkdir -p "$HOME/code/shop" "$work/out"
cd "$HOME/code/shop"
key() { printf 'sk-proj-%s%sT3BlbkFJ%s' "$(head -c 60 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 60)" "$1" "$(head -c 90 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 80)"; }

printf 'correct horse battery staple' > "$work/pass"
small=$work/small.vault
large=$work/large.vault
"$vault" init --passphrase-file "$work/pass" --vault "$small" >/dev/null
cp "$HOME/.config/vault/identity" "$work/identity.keep"
key prod | "$vault" set --vault "$small" --env prod --passphrase-file "$work/pass" >/dev/null

# 10,000 entries: 100 projects x 100 names in dev, plus shop/prod's one key.
"$vault" init --vault "$large" >/dev/null 2>&1
for p in $(seq -w 1 100); do
  for n in $(seq -w 1 100); do printf 'KEY_%s=%s\n' "$n" "$(key "$p$n")"; done > "$work/out/p$p.env"
  "$vault" import --vault "$large" --project "proj$p" --env dev "$work/out/p$p.env" >/dev/null
done
key prod | "$vault" set --vault "$large" --env prod >/dev/null
entries=$(grep -c '^entry ' "$large")
echo "vault entries: small $(grep -c '^entry ' "$small"), large $entries ($(du -h "$large" | cut -f1))"

# age's identity-file pipeline, the comparison point of the issue.
age-keygen -o "$work/key.txt" 2>/dev/null
key prod | age -r "$(age-keygen -y "$work/key.txt")" > "$work/s.age"

# Warm: the unlock is cached in the kernel keyring by the set above.
"$vault" exec --vault "$small" --env prod -- true

echo
echo "## Warm exec (unlock cached) against the floor and age"
hyperfine -N --warmup 30 --runs 300 --style basic --export-markdown "$work/out/exec.md" \
  --export-json "$work/out/exec.json" \
  -n 'env OPENAI_API_KEY=x true (floor)' "env OPENAI_API_KEY=x true" \
  -n 'age -d pipeline' "sh -c 'OPENAI_API_KEY=\$(age -d -i $work/key.txt $work/s.age) exec true'" \
  -n 'vault exec, 1 entry' "$vault exec --vault $small --env prod -- true" \
  -n 'vault exec, 10,000 entries' "$vault exec --vault $large --env prod -- true" >/dev/null
cat "$work/out/exec.md"
# Issue 11's targets: a warm exec at most 0.8x age's pipeline and 1.6x the floor.
python3 - "$work/out/exec.json" <<'PY'
import json, statistics, sys
runs = {r["command"]: r["times"] for r in json.load(open(sys.argv[1]))["results"]}
floor, age = runs["env OPENAI_API_KEY=x true (floor)"], runs["age -d pipeline"]
print("\n| ratio (target) | mean | median | min |\n|:---|---:|---:|---:|")
for name in ("vault exec, 1 entry", "vault exec, 10,000 entries"):
    for base, label, target in ((floor, "floor", 1.6), (age, "age", 0.8)):
        t = runs[name]
        print(f"| {name} / {label} (<= {target}) | {statistics.mean(t) / statistics.mean(base):.2f} "
              f"| {statistics.median(t) / statistics.median(base):.2f} | {min(t) / min(base):.2f} |")
PY
# Instructions are steady on a loaded machine where times are not. Counted on the same build
# with its symbols (`make profile`, .build-profile): callgrind writes its profile before the
# execve only when it can find `execve`, which the stripped binary does not name.
profiled=$root/.build-profile/release/vault
if command -v valgrind >/dev/null && [ -x "$profiled" ]; then
  count() {
    valgrind --tool=callgrind --dump-before=execve --callgrind-out-file="$work/cg.%p" "$@" \
      >/dev/null 2>&1 || true
    cat "$work"/cg.* | awk '/^summary:/ { n += $2 } END { print n }'
  }
  echo
  echo "| instructions (callgrind), vault's process up to its execve | count |"
  echo "|:---|---:|"
  echo "| vault exec, 10,000 entries (warm) | $(count "$profiled" exec --vault "$large" --env prod -- true) |"
  rm -f "$work"/cg.*
  echo "| vault exec, 1 entry (warm) | $(count "$profiled" exec --vault "$small" --env prod -- true) |"
  echo
  echo "Warm exec, 1 entry, by function (inclusive):"
  callgrind_annotate --inclusive=yes "$work"/cg.*.1 2>/dev/null \
    | sed -n '/^Ir/,$p' | sed -n '3,25p' | cut -c1-150
  rm -f "$work"/cg.*
else
  echo "(instruction counts: make profile builds $profiled; needs valgrind)"
fi

echo
echo "## The network half stays off exec's path"
# vault-net is the same command line linked with FoundationNetworking (libcurl); vault execs it
# for \`vault openai\` only. Side by side: what exec would cost if vault linked it.
net=$(dirname "$vault")/vault-net
if [ -x "$net" ]; then
  echo "| binary | size | FoundationNetworking symbols | SwiftNIO symbols |"
  echo "|:---|---:|---:|---:|"
  for binary in "$vault" "$net"; do
    echo "| $(basename "$binary") | $(du -h "$binary" | cut -f1) | $(grep -c CFURLSession "$binary" || true)" \
      "| $(grep -c NIOPosix "$binary" || true) |"
  done
  opened=$(strace -f -e trace=openat,execve "$vault" exec --vault "$small" --env prod -- true 2>&1 \
    | grep -cE 'libcurl|vault-net' || true)
  echo
  echo "vault exec opens or runs libcurl or vault-net: $opened times (strace)"
  hyperfine -N --warmup 30 --runs 200 --style basic --export-markdown "$work/out/net.md" \
    -n 'vault exec, 1 entry' "$vault exec --vault $small --env prod -- true" \
    -n 'the same exec linked with networking (vault-net exec)' \
    "$net exec --vault $small --env prod -- true" >/dev/null
  cat "$work/out/net.md"
else
  echo "(no vault-net beside $vault: make build builds it)"
fi

echo
echo "## The loopback proxy (exec --proxy, vault proxy) against calling the upstream directly"
# The stand-in of OpenAI's API over HTTPS from a throwaway CA, the proxy trusting that CA
# through --upstream-ca; the same client (Tests/Benchmarks/proxy_bench.py) calls both.
if [ -x "$net" ]; then
  mkdir -p "$work/ca"
  (
    cd "$work/ca"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=vault bench CA" \
      -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key \
      -out server.csr 2>/dev/null
    printf '%s\n' subjectAltName=IP:127.0.0.1 basicConstraints=CA:FALSE \
      keyUsage=critical,digitalSignature,keyEncipherment extendedKeyUsage=serverAuth > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
      -out server.pem -extfile server.ext 2>/dev/null
  )
  upstream_key=$(key bench)
  printf '{"projects": [{"id": "proj_bench", "api_keys": [{"id": "key_bench", "value": "%s"}]}]}' \
    "$upstream_key" > "$work/ca/seed.json"
  python3 "$root/Tests/OpenAIStandIn/standin.py" --port 0 --tls-cert "$work/ca/server.pem" \
    --tls-key "$work/ca/server.key" --state-file "$work/ca/seed.json" > "$work/ca/standin.out" &
  standin=$!
  for _ in $(seq 100); do [ -s "$work/ca/standin.out" ] && break; sleep 0.1; done
  upstream=$(head -1 "$work/ca/standin.out")
  printf "%s" "$upstream_key" | "$vault" set --vault "$small" --env staging \
    --passphrase-file "$work/pass" >/dev/null
  "$vault" proxy --vault "$small" --env staging --upstream "$upstream/v1" \
    --upstream-ca "$work/ca/ca.pem" > "$work/ca/proxy.out" 2>/dev/null &
  proxy=$!
  for _ in $(seq 100); do [ "$(cat "$work/ca/proxy.out" 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.1; done
  python3 "$root/Tests/Benchmarks/proxy_bench.py" --direct "$upstream/v1" \
    --direct-key "$upstream_key" --proxy "$(sed -n 1p "$work/ca/proxy.out")" \
    --proxy-key "$(sed -n 2p "$work/ca/proxy.out")" --cafile "$work/ca/ca.pem" \
    --proxy-pid "$proxy" --runs 500 --streams 200
  kill "$proxy" "$standin" 2>/dev/null || true
  wait "$proxy" "$standin" 2>/dev/null || true
fi

echo
echo "## CI exec through OpenBao (JWT login + transit unwrap) against a local identity exec"
# A warm \`bao server -dev\` on loopback, transit key, JWT auth with an openssl key pair, the
# policy and role of README's "Organisations: OpenBao", and a runner token valid for an hour.
bao=$(command -v bao || echo "$root/.build/venv/bin/bao")
if [ -x "$bao" ] && [ -x "$net" ]; then
  (
    set -e
    b=$work/bao
    mkdir -p "$b/home/code/shop"
    export HOME=$b/home
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$bao" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" \
      > "$b/bao.log" 2>&1 &
    echo $! > "$b/pid"
    export BAO_ADDR=http://127.0.0.1:$port BAO_TOKEN=root
    for _ in $(seq 100); do curl -sf "$BAO_ADDR/v1/sys/health" >/dev/null && break; sleep 0.1; done
    "$bao" secrets enable transit >/dev/null
    "$bao" write -f transit/keys/shop-prod type=aes256-gcm96 >/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$b/key.pem" 2>/dev/null
    openssl pkey -in "$b/key.pem" -pubout -out "$b/pub.pem"
    "$bao" auth enable jwt >/dev/null
    "$bao" write auth/jwt/config jwt_validation_pubkeys=@"$b/pub.pem" \
      bound_issuer=https://ci.test >/dev/null
    printf 'path "transit/%s/shop-prod" {\n  capabilities = ["update"]\n}\n' encrypt decrypt \
      | "$bao" policy write shop-ci - >/dev/null
    "$bao" write auth/jwt/role/shop-ci role_type=jwt user_claim=sub bound_audiences=bench \
      bound_subject=ci token_policies=shop-ci token_ttl=10m >/dev/null
    b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
    now=$(date +%s)
    header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
    claims=$(printf '{"iss":"https://ci.test","sub":"ci","aud":"bench","iat":%d,"nbf":%d,"exp":%d}' \
      "$now" "$now" $((now + 3600)) | b64url)
    signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$b/key.pem" | b64url)
    printf '%s.%s.%s' "$header" "$claims" "$signature" > "$b/jwt"
    cd "$HOME/code/shop"
    "$vault" init --no-passphrase >/dev/null 2>&1
    key prod | "$vault" set --env prod >/dev/null
    VAULT_BAO_TOKEN=root "$vault" env recipient add prod openbao --addr "$BAO_ADDR" \
      --transit-key shop-prod >/dev/null
    unset BAO_TOKEN BAO_ADDR
    hyperfine -N --warmup 20 --runs 200 --style basic --export-markdown "$b/bao.md" \
      -n 'local identity exec' "$vault exec --env prod -- true" \
      -n 'the same exec run by vault-net (its start-up alone)' "$net exec --env prod -- true" \
      -n 'CI exec through OpenBao (login + unwrap)' \
      "env VAULT_BAO_ROLE=shop-ci VAULT_BAO_JWT_FILE=$b/jwt $vault exec --env prod -- true" \
      -n 'exec through OpenBao with a token (unwrap only)' \
      "env VAULT_BAO_TOKEN=root $vault exec --env prod -- true" >/dev/null
    cat "$b/bao.md"
  ) || echo "(the OpenBao benchmark failed)"
  [ -f "$work/bao/pid" ] && kill "$(cat "$work/bao/pid")" 2>/dev/null || true
else
  echo "(no bao: make venv installs it)"
fi

echo
echo "## vault set into the 10,000-entry vault (value on stdin) against 1 entry"
key dev > "$work/value"
# hyperfine 1.15 (Debian bookworm) has no --input: both commands pay the same sh start-up.
hyperfine -N --warmup 3 --runs 30 --style basic --export-markdown "$work/out/set.md" \
  -n 'vault set, 1-entry vault' "sh -c '$vault set --vault $small --env dev < $work/value'" \
  -n 'vault set, 10,000-entry vault' "sh -c '$vault set --vault $large --env dev < $work/value'" >/dev/null
cat "$work/out/set.md"

echo
echo "## Team: members add (no re-encryption) and members rm (re-keys dev: 10,000 entries)"
HOME=$work/bob "$vault" init --no-passphrase >/dev/null
bob=$(HOME=$work/bob "$vault" identity show)
cp "$small" "$work/small-base.vault"
cp "$large" "$work/large-base.vault"
"$vault" members add bob "$bob" --read dev --vault "$large" >/dev/null
cp "$large" "$work/large-bob.vault"
# One path per vault: the trust store refuses a different vault copied over a path it knows.
# Each run starts from the same copy, an older membership generation than the run before
# left: forget the trust state too, or the copy is refused as a rollback.
state=$HOME/.local/state/vault
hyperfine -N --warmup 1 --runs 10 --style basic --export-markdown "$work/out/members.md" \
  --prepare "sh -c 'cp $work/small-base.vault $work/m1.vault && rm -rf $state'" \
  -n 'members add, 1-entry vault' "$vault members add bob $bob --read dev --vault $work/m1.vault" \
  --prepare "sh -c 'cp $work/large-base.vault $work/m2.vault && rm -rf $state'" \
  -n 'members add, 10,000-entry vault' "$vault members add bob $bob --read dev --vault $work/m2.vault" \
  --prepare "sh -c 'cp $work/large-bob.vault $work/m3.vault && rm -rf $state'" \
  -n 'members rm, 10,000 entries re-keyed' "$vault members rm bob --vault $work/m3.vault" >/dev/null
cat "$work/out/members.md"

echo
echo "## Peak memory (max RSS, GNU time)"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo "| command | max RSS |"
echo "|:---|---:|"
echo "| env OPENAI_API_KEY=x true | $(rss env OPENAI_API_KEY=x true) KiB |"
echo "| vault exec, 1 entry (warm) | $(rss "$vault" exec --vault "$small" --env prod -- true) KiB |"
echo "| vault exec, 10,000 entries (warm) | $(rss "$vault" exec --vault "$large" --env prod -- true) KiB |"
echo "| vault set, 10,000 entries | $(rss "$vault" set --vault "$large" --env dev < "$work/value") KiB |"

echo
echo "## vault scan of a 100,000-file git work tree beside git grep"
# 100 directories of 1,000 source-like files (about 1 KiB each), a .gitignore, every file
# in git's index; a key of each OpenAI shape and one of the vault's values planted in five
# files. git grep looks for the key shapes alone; vault scan for them and the vault's values.
tree=$work/tree
mkdir -p "$tree"
printf 'my-db-password-%s' "$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)" \
  > "$work/planted"
"$vault" set --vault "$small" --passphrase-file "$work/pass" --env dev DB_PASSWORD \
  < "$work/planted" >/dev/null
python3 - "$tree" "$work/planted" <<'PY'
import os, random, sys
root, planted = sys.argv[1], open(sys.argv[2]).read()
random.seed(9)
words = ("def class return import from self value config request response client "
         "model token user error result data index list dict open close read write").split()
def body(n): return "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))
keys = ["sk-proj-" + body(74) + "T3BlbkFJ" + body(74), "sk-svcacct-" + body(74) + "T3BlbkFJ" + body(74),
        "sk-admin-" + body(58) + "T3BlbkFJ" + body(58), "sk-None-" + body(48) + "T3BlbkFJ" + body(48),
        "sk-" + body(20) + "T3BlbkFJ" + body(20)]
lines = [" ".join(random.choice(words) for _ in range(random.randint(3, 12))) for _ in range(4000)]
with open(os.path.join(root, ".gitignore"), "w") as f: f.write("*.log\nbuild/\n")
for d in range(100):
    os.makedirs(os.path.join(root, "src", "d%03d" % d))
    for n in range(1000):
        text = "\n".join("    " + random.choice(lines) for _ in range(random.randint(8, 30))) + "\n"
        if d * 1000 + n in (4242, 31337, 55555, 77777, 99001):
            i = (4242, 31337, 55555, 77777, 99001).index(d * 1000 + n)
            text += 'OPENAI_API_KEY = "%s"\n' % keys[i]
        if d * 1000 + n == 60606: text += "DATABASE_URL = 'postgres://app:%s@db/app'\n" % planted
        with open(os.path.join(root, "src", "d%03d" % d, "f%04d.py" % n), "w") as f: f.write(text)
PY
(cd "$tree" && git init -q . && git add -A)
echo "tree: $(git -C "$tree" ls-files | wc -l) files, $(du -sh --exclude=.git "$tree" | cut -f1)"
"$vault" scan --vault "$small" "$tree" > "$work/out/scan.txt" || true
echo "vault scan finds $(wc -l < "$work/out/scan.txt") (5 keys and 1 value planted);" \
  "git grep finds $(git -C "$tree" grep -lE 'sk-[A-Za-z0-9_-]*T3BlbkFJ' | wc -l) files"
# vault scan exits 1 when it finds something: -i.
hyperfine -N -i --warmup 2 --runs 10 --style basic --export-markdown "$work/out/scan.md" \
  -n "git grep -E 'sk-[A-Za-z0-9_-]*T3BlbkFJ'" \
  "git -C $tree grep -E 'sk-[A-Za-z0-9_-]*T3BlbkFJ'" \
  -n 'vault scan (key shapes and vault values)' "$vault scan --vault $small $tree" >/dev/null
cat "$work/out/scan.md"
echo "| vault scan max RSS | $(rss "$vault" scan --vault "$small" "$tree") KiB |"

echo
echo "## Cold unlock: Argon2id at MODERATE (256 MiB, 3 passes), on purpose"
hyperfine -N --warmup 1 --runs 5 --style basic --export-markdown "$work/out/cold.md" \
  -n 'vault get --no-cache (Argon2id each time)' \
  "$vault get --vault $small --env prod --no-cache --passphrase-file $work/pass" \
  -n 'vault get (cached)' "$vault get --vault $small --env prod" >/dev/null
cat "$work/out/cold.md"
echo "| cold unlock max RSS | $(rss "$vault" get --vault "$small" --env prod --no-cache --passphrase-file "$work/pass") KiB |"
"$vault" lock >/dev/null
