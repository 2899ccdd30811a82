#!/usr/bin/env bash
# The quick-start demo: vault's journeys in a throwaway HOME, with the built binary.
# Usage: Tests/demo.sh path/to/vault
set -euo pipefail
vault=$(realpath "${1:-.build/release/vault}")
here=$(cd "$(dirname "$0")" && pwd)
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export HOME=$demo/home
unset VAULT_FILE VAULT_IDENTITY VAULT_IDENTITY_FILE VAULT_PROJECT VAULT_PASSPHRASE_FILE XDG_CONFIG_HOME XDG_DATA_HOME
mkdir -p "$HOME/code/shop"
cd "$HOME/code/shop"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
fake_key() { printf 'sk-proj-%s' "$(head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 100)$1"; }

printf 'a demo passphrase, long enough' > "$demo/pass"
export VAULT_PASSPHRASE_FILE=$demo/pass   # instead of the no-echo prompt, for the demo

echo "== 1. Store a freshly created key once (never on the command line)"
step vault init
"$vault" init
step 'vault set --env prod          # value from stdin here; a terminal gets a no-echo prompt'
fake_key wxyz | "$vault" set --env prod
step 'printf %s "$KEY" | vault set --env dev'
fake_key dev1 | "$vault" set --env dev
step vault list
"$vault" list

echo
echo "== 2. Run a program with it"
cat > app <<'APP'
#!/bin/sh
echo "app: pid $$, OPENAI_API_KEY is ${#OPENAI_API_KEY} characters, ends in ...$(printf %s "$OPENAI_API_KEY" | tail -c 4)"
exit 3
APP
chmod +x app
step 'vault exec --env prod -- ./app'
set +e
OPENAI_API_KEY=inherited-and-replaced "$vault" exec --env prod -- ./app
echo "(exit status $?: the app's own)"
set -e
step 'vault get --env prod | wc -c'
"$vault" get --env prod -n | wc -c

echo
echo "== 2b. Rotate, move .env files in and out, revoke"
step 'vault set --env prod          # the rotated key becomes version 2'
fake_key rot2 | "$vault" set --env prod
printf '# staging\nexport OPENAI_API_KEY="%s"\nOPENAI_ORG_ID=org-demo123\n' "$(fake_key stg1)" > .env.staging
step 'vault import --env staging .env.staging && rm .env.staging'
"$vault" import --env staging .env.staging && rm .env.staging
step 'vault export --env staging --format dotenv | cut -c1-24'
"$vault" export --env staging --format dotenv | cut -c1-24
step 'vault rm --env dev OPENAI_API_KEY'
"$vault" rm --env dev OPENAI_API_KEY
step vault list
"$vault" list
step vault lock
"$vault" lock
step 'vault status'
unset VAULT_PASSPHRASE_FILE
"$vault" status

echo
echo "== 3. Share a team vault through git"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid
export PATH=$(dirname "$vault"):$PATH    # git runs `vault git merge` and `vault git diff`
alice=$demo/alice bob=$demo/bob
mkdir -p "$alice" "$bob"
git init -q --bare "$demo/origin.git"
as() { local who=$1; shift; HOME=$demo/$who USER=$who "$@"; }
as bob "$vault" init --no-passphrase >/dev/null
git clone -q "$demo/origin.git" "$alice/shop" 2>/dev/null
cd "$alice/shop"
step 'alice$ vault init --here && vault git setup'
as alice "$vault" init --here --no-passphrase
as alice "$vault" git setup
step 'bob$ vault identity show'
bobpub=$(as bob "$vault" identity show)
echo "$bobpub"
step 'alice$ vault members add bob <his public identity> --read dev,staging --write dev'
as alice "$vault" members add bob "$bobpub" --read dev,staging --write dev
step 'alice$ vault set --env prod; vault set --env dev; git commit; git push'
fake_key prd9 | as alice "$vault" set --env prod
fake_key dev9 | as alice "$vault" set --env dev
printf '#!/bin/sh\necho "app: key ends in ...$(printf %%s "$OPENAI_API_KEY" | tail -c 4)"\n' > app
chmod +x app
git add .vault .gitattributes app && git commit -qm "team vault" && git push -q origin HEAD:main 2>/dev/null
git clone -q -b main "$demo/origin.git" "$bob/shop" 2>/dev/null
cd "$bob/shop"
as bob "$vault" git setup >/dev/null
step 'bob$ vault exec --env dev -- ./app'
as bob "$vault" exec --env dev -- ./app
step 'bob$ vault exec --env prod -- ./app      # bob holds no prod key at all'
as bob "$vault" exec --env prod -- ./app || echo "(exit status $?)"
cd "$alice/shop"
step 'alice$ vault members set bob --read dev --write dev    # staging re-keyed and flagged'
as alice "$vault" members set bob --read dev --write dev
step 'alice$ vault env list'
as alice "$vault" env list
step 'alice$ vault members rm bob'
as alice "$vault" members rm bob
step 'alice$ vault list'
as alice "$vault" list
step 'alice$ git diff -- .vault     # generation, members, fingerprints, flags; never a value'
git diff -- .vault | grep '^[-+][a-z]' | head -14

echo
echo "== 4. CI: no long-lived state, a pinned vault, a directory named by the CI system"
step 'alice$ (umask 077; vault identity new --no-passphrase > ~/ci.secret)   # outside the work tree'
mkdir -p "$demo/ci"
cipub=$( (umask 077; as alice "$vault" identity new --no-passphrase > "$demo/alice/ci.secret") 2>&1 \
  | sed -n 's/^vault: public identity: //p')
step 'alice$ vault members add ci <its public identity> --read prod; git commit; git push'
as alice "$vault" members add ci "$cipub" --read prod
git commit -qam "ci reads prod" && git push -q origin HEAD:main 2>/dev/null
step 'alice$ vault trust --pin       # VAULT_PIN, stored as a protected CI setting'
pin=$(as alice "$vault" trust --pin)
echo "$pin"
git clone -q -b main "$demo/origin.git" "$demo/ci/shop_PR-42" 2>/dev/null
cd "$demo/ci/shop_PR-42"
step 'ci$ VAULT_IDENTITY=… VAULT_PIN=… VAULT_ENV=prod vault exec -- ./app    # in shop_PR-42'
HOME=$demo/ci USER=ci VAULT_IDENTITY=$(cat "$demo/alice/ci.secret") VAULT_PIN=$pin VAULT_ENV=prod \
  "$vault" exec -- ./app 2>/dev/null

echo
echo "== 5. An OpenAI key's life, against the stand-in of OpenAI's API (Tests/OpenAIStandIn)"
if command -v python3 >/dev/null && [ -x "$(dirname "$vault")/vault-net" ]; then
  mkdir -p "$demo/ops/code/shop" && cd "$demo/ops/code/shop"
  python3 "$here/OpenAIStandIn/standin.py" --port 0 --seed 1 > "$demo/standin.url" 2>/dev/null &
  standin=$!
  for _ in $(seq 50); do [ -s "$demo/standin.url" ] && break; sleep 0.1; done
  api=$(head -1 "$demo/standin.url")
  admin="sk-admin-$(printf 'a%.0s' $(seq 74))T3BlbkFJ$(printf 'b%.0s' $(seq 74))"
  printf '{"admin_keys": [{"id": "key_admin", "value": "%s"}], "projects": [{"id": "proj_abc",
    "name": "Shop", "service_accounts": [{"id": "svc_acct_bot", "name": "deploy-bot"}]}]}' \
    "$admin" | python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(
      sys.argv[1] + "/_standin/state", data=sys.stdin.buffer.read(), method="POST"))' "$api"
  ops() {
    env -u VAULT_PASSPHRASE_FILE HOME="$demo/ops" USER=ops VAULT_OPENAI_BASE_URL="$api/v1" \
      "$vault" "$@"
  }
  ops init --no-passphrase >/dev/null
  step 'vault set --env prod OPENAI_ADMIN_KEY      # the Admin key, once'
  printf %s "$admin" | ops set --env prod OPENAI_ADMIN_KEY
  step 'vault openai create-key --env prod --openai-project proj_abc --service-account ci-bot'
  ops openai create-key --env prod --openai-project proj_abc --service-account ci-bot
  step 'vault openai rotate --env prod'
  ops openai rotate --env prod
  step 'vault history --env prod OPENAI_API_KEY   # versions, writers, OpenAI key ids; never values'
  ops history --env prod OPENAI_API_KEY
  step 'vault openai check                        # exit 1 when a key needs action'
  ops openai check || true

  echo
  echo "== 6. Keyless runs: the program gets a placeholder and a loopback proxy, never the key"
  cat > "$demo/agent.py" <<'PY'
import json, os, urllib.error, urllib.request
base, key = os.environ["OPENAI_BASE_URL"], os.environ["OPENAI_API_KEY"]
print("agent: OPENAI_BASE_URL=" + base + "  OPENAI_API_KEY=" + key[:16] + "...")
def call(path, body=None):
    request = urllib.request.Request(base + path, data=body, headers={
        "Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
status, answer = call("/chat/completions", json.dumps({"model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hello proxy"}]}).encode())
print("agent: chat", status, answer["choices"][0]["message"]["content"])
status, answer = call("/organization/projects")
print("agent: organization", status, answer["error"]["message"])
PY
  step 'vault exec --proxy --env prod -- python3 agent.py'
  ops exec --proxy --env prod --upstream "$api/v1" -- python3 "$demo/agent.py"
  step 'vault log | tail -2                        # one line per proxied request; no bodies'
  ops log | tail -2
  kill "$standin" 2>/dev/null
  wait "$standin" 2>/dev/null || true   # killed by our TERM: not a failure
else
  echo "(skipped: needs python3 and vault-net beside $vault)"
fi

echo
echo "== 7. Organisations: CI reads prod through OpenBao (JWT login, transit unwrap), no identity"
bao=$(command -v bao || echo "$here/../.build/venv/bin/bao")
if [ -x "$bao" ] && command -v openssl >/dev/null && [ -x "$(dirname "$vault")/vault-net" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bao" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" \
    > "$demo/bao.log" 2>&1 &
  baopid=$!
  export BAO_ADDR=http://127.0.0.1:$port BAO_TOKEN=root
  for _ in $(seq 100); do "$bao" status >/dev/null 2>&1 && break; sleep 0.1; done
  step 'operator$ bao secrets enable transit; bao write -f transit/keys/shop-prod'
  "$bao" secrets enable transit >/dev/null
  "$bao" write -f transit/keys/shop-prod >/dev/null
  step 'operator$ bao auth enable jwt; bao policy write shop-ci …; bao write auth/jwt/role/shop-ci …'
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$demo/ci-issuer.pem" 2>/dev/null
  openssl pkey -in "$demo/ci-issuer.pem" -pubout -out "$demo/ci-issuer.pub"
  "$bao" auth enable jwt >/dev/null
  "$bao" write auth/jwt/config jwt_validation_pubkeys=@"$demo/ci-issuer.pub" \
    bound_issuer=https://ci.example >/dev/null
  printf 'path "transit/%s/shop-prod" {\n  capabilities = ["update"]\n}\n' encrypt decrypt \
    | "$bao" policy write shop-ci - >/dev/null
  "$bao" write auth/jwt/role/shop-ci role_type=jwt user_claim=sub bound_audiences=openbao \
    bound_subject=repo:shop token_policies=shop-ci token_ttl=5m >/dev/null
  cd "$demo/alice/shop"
  step 'alice$ vault env recipient add prod openbao --addr … --transit-key shop-prod; git commit; git push'
  as alice env VAULT_BAO_TOKEN=root "$vault" env recipient add prod openbao \
    --addr "$BAO_ADDR" --transit-key shop-prod
  git commit -qam "prod sealed to OpenBao" && git push -q origin HEAD:main 2>/dev/null
  unset BAO_TOKEN
  # The CI system's OIDC token for this run (here minted with the test issuer's key).
  b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
  now=$(date +%s)
  jwt=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf \
    '{"iss":"https://ci.example","sub":"repo:shop","aud":"openbao","iat":%d,"exp":%d}' \
    "$now" $((now + 300)) | b64url)
  jwt=$jwt.$(printf %s "$jwt" | openssl dgst -sha256 -sign "$demo/ci-issuer.pem" | b64url)
  printf %s "$jwt" > "$demo/ci/oidc-token"
  git clone -q -b main "$demo/origin.git" "$demo/ci/shop-run-7" 2>/dev/null
  cd "$demo/ci/shop-run-7"
  step 'ci$ VAULT_BAO_ADDR=… VAULT_BAO_ROLE=shop-ci VAULT_BAO_JWT_FILE=$CI_OIDC_TOKEN_FILE vault exec --env prod -- ./app'
  HOME=$demo/ci-bao USER=ci VAULT_BAO_ADDR=$BAO_ADDR VAULT_BAO_ROLE=shop-ci \
    VAULT_BAO_JWT_FILE=$demo/ci/oidc-token "$vault" exec --env prod -- ./app
  step 'operator$ bao delete auth/jwt/role/shop-ci     # revoked: the next run stops at once'
  "$bao" delete auth/jwt/role/shop-ci >/dev/null
  HOME=$demo/ci-bao USER=ci VAULT_BAO_ADDR=$BAO_ADDR VAULT_BAO_ROLE=shop-ci \
    VAULT_BAO_JWT_FILE=$demo/ci/oidc-token "$vault" exec --env prod -- ./app || echo "(exit status $?)"
  kill "$baopid" 2>/dev/null
  wait "$baopid" 2>/dev/null || true
  unset BAO_ADDR
else
  echo "(skipped: needs bao (make venv), openssl and vault-net beside $vault)"
fi
echo
echo "demo finished: every file lived in $demo, now removed"
