#!/usr/bin/env bash
# Checks what `make install` and `make deb` produce (README, "Install"; issue 11):
#  1. `make install DESTDIR=…` installs exactly the binary, one man page per command, and the
#     three completion scripts where bash, zsh and fish look; `make uninstall` removes them.
#  2. The .deb's metadata and contents; installed with `dpkg --root` into a fresh, empty
#     dpkg root, `vault --version` and a `vault exec` journey run from it, and a purge leaves
#     nothing behind.
#  3. With CI=true, as root (a throwaway CI machine): `dpkg -i` on the machine itself, `vault`
#     found on PATH, `man vault-exec`, then `dpkg --purge` leaves none of its files.
# Prints one line per check; exits 1 if any fails.
# Usage: Tests/package-test.sh dist/vault_VERSION_ARCH.deb   (run by `make package-test`,
# which passes the Makefile's LIBEXEC_PROGRAMS, the helpers expected in libexec/vault/)
set -uo pipefail
cd "$(dirname "$0")/.."
deb=$(realpath "${1:?usage: Tests/package-test.sh dist/vault_VERSION_ARCH.deb}")
version=$(sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/VaultCore/Version.swift)
sodium=$(pkg-config --modversion libsodium)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() {  # check NAME COMMAND...: runs COMMAND, prints ok or FAIL
  local name=$1
  shift
  if "$@" >"$work/check.log" 2>&1; then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    sed 's/^/      /' "$work/check.log" | head -20
    failed=1
    return 1
  fi
}
same() { [ "$1" = "$2" ] || { printf 'expected: %s\n     got: %s\n' "$2" "$1"; return 1; }; }

# The man pages there must be: one per command of the parser's own command tree.
.build/release/vault --experimental-dump-help | python3 -c '
import json, sys
def walk(command, path):
    if path[-1] != "help":
        print("-".join(path) + ".1")
    for sub in command.get("subcommands") or []:
        walk(sub, path + [sub["commandName"]])
walk(json.load(sys.stdin)["command"], ["vault"])' | sort > "$work/pages"
check "the command tree names $(wc -l < "$work/pages") man pages" grep -qx vault-exec.1 "$work/pages"

echo "## make install DESTDIR=… PREFIX=/usr/local"
stage=$work/stage
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr/local >"$work/install.log" 2>&1
check "make install succeeds" test $? = 0 || tail -20 "$work/install.log"
prefix=$stage/usr/local
helpers=${LIBEXEC_PROGRAMS:-}
{
  echo bin/vault
  for helper in $helpers; do echo "libexec/vault/$helper"; done
  echo share/bash-completion/completions/vault
  echo share/zsh/site-functions/_vault
  echo share/fish/vendor_completions.d/vault.fish
  sed 's|^|share/man/man1/|' "$work/pages"
} | sort > "$work/expected"
check "exactly the binary, helpers (${helpers:-none}), $(wc -l < "$work/pages") man pages, 3 completions" \
  diff "$work/expected" <(cd "$prefix" && find . -type f -printf '%P\n' | sort)
check "vault is executable" test -x "$prefix/bin/vault"
for helper in $helpers; do
  check "libexec/vault/$helper is executable" test -x "$prefix/libexec/vault/$helper"
done
check "bash completion is completions/vault.bash" \
  cmp completions/vault.bash "$prefix/share/bash-completion/completions/vault"
check "zsh completion is completions/_vault" cmp completions/_vault "$prefix/share/zsh/site-functions/_vault"
check "fish completion is completions/vault.fish" \
  cmp completions/vault.fish "$prefix/share/fish/vendor_completions.d/vault.fish"
check "the installed vault --version" \
  same "$("$prefix/bin/vault" --version)" "vault $version (libsodium $sodium)"
if command -v man >/dev/null; then
  rendered() { MANWIDTH=100 MANPAGER=cat man -M "$prefix/share/man" "$1" 2>&1; }
  check "man vault-exec (MANPATH of the install) shows exec's options" \
    grep -q -- '--allow-admin-key' <(rendered vault-exec)
  check "man vault-identity-passwd exists" grep -qi 'passphrase' <(rendered vault-identity-passwd)
  check "man vault lists vault-exec under SEE ALSO" grep -q 'vault-exec(1)' <(rendered vault)
else
  echo "skip  man vault-exec (man-db is not installed)"
fi
make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr/local >"$work/uninstall.log" 2>&1
check "make uninstall succeeds" test $? = 0
check "make uninstall leaves no file" same "$(find "$stage" -type f | wc -l)" 0
check "make uninstall removes libexec/vault" test ! -e "$prefix/libexec/vault"

echo "## $(basename "$deb")"
info=$(dpkg-deb --info "$deb")
field() { sed -n "s/^ $1: //p" <<<"$info"; }
check "Package: vault, Version: $version" same "$(field Package) $(field Version)" "vault $version"
check "Depends: libcurl and libsodium (vault-net's; vault is static)" \
  same "$(field Depends)" "libcurl4 (>= 7.88), libsodium23 (>= 1.0.18)"
check "Built-Using names glibc and libsodium" grep -qE 'glibc \(=.*libsodium \(=|libsodium \(=.*glibc \(=' <<<"$(field Built-Using)"
dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./||' | grep -v -e '/$' -e '^$' | sort > "$work/contents"
{
  echo usr/bin/vault
  for helper in $helpers; do echo "usr/libexec/vault/$helper"; done
  echo usr/share/bash-completion/completions/vault
  echo usr/share/doc/vault/copyright
  echo usr/share/fish/vendor_completions.d/vault.fish
  echo usr/share/zsh/vendor-completions/_vault
  sed 's|^\(.*\)$|usr/share/man/man1/\1.gz|' "$work/pages"
} | sort > "$work/expected-deb"
check "contents: binary, gzipped man pages, completions, copyright" \
  diff "$work/expected-deb" "$work/contents"
check "files are root-owned" same "$(dpkg-deb --contents "$deb" | awk '{print $2}' | sort -u)" root/root

# A fresh dpkg root: an empty status database and nothing else.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# --force-depends: the empty root has no libcurl4 or libsodium23 registered (this machine has
# them; the dpkg -i below checks the dependencies for real).
check "dpkg --root … -i installs it" dpkg --root="$root" --force-not-root --force-depends -i "$deb"
check "dpkg -s: installed" grep -q 'Status: install ok installed' \
  <(dpkg --root="$root" --force-not-root -s vault 2>&1)
check "dpkg --verify: files as packaged" dpkg --root="$root" --force-not-root --verify vault
installed=$root/usr/bin/vault
check "vault --version from the package" \
  same "$("$installed" --version)" "vault $version (libsodium $sodium)"
if command -v man >/dev/null; then
  check "man -l vault-exec.1.gz from the package" \
    grep -q -- '--allow-admin-key' <(MANWIDTH=100 MANPAGER=cat man -l "$root/usr/share/man/man1/vault-exec.1.gz")
fi

# The journey, with the packaged binary in a throwaway HOME (no unlock cache: nothing is left
# in this session's keyring).
journey() {
  local bin=$1 home=$work/home-$RANDOM
  mkdir -p "$home/code/shop"
  printf 'correct horse battery staple' > "$home/pass"
  local key="sk-proj-packagetest$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')T3BlbkFJ0123"
  (
    cd "$home/code/shop" || exit 1
    export HOME=$home XDG_CONFIG_HOME= XDG_DATA_HOME= XDG_STATE_HOME= VAULT_FILE= VAULT_PROJECT=
    "$bin" init --passphrase-file "$home/pass" --no-cache >/dev/null || exit 1
    printf '%s' "$key" | "$bin" set --env dev --passphrase-file "$home/pass" --no-cache >/dev/null \
      || exit 1
    seen=$("$bin" exec --env dev --passphrase-file "$home/pass" --no-cache -- \
      /bin/sh -c 'printf %s "$OPENAI_API_KEY"') || exit 1
    [ "$seen" = "$key" ] || { echo "exec injected something else"; exit 1; }
  )
}
check "vault init, set, exec from the package" journey "$installed"
# vault openai runs the packaged vault-net (found in ../libexec/vault from /usr/bin/vault):
# without an Admin key in the vault it says so (exit 2); without vault-net it would exit 1.
openai_home=$work/home-openai
mkdir -p "$openai_home"
(cd "$openai_home" && HOME=$openai_home "$installed" init --no-passphrase >/dev/null 2>&1)
HOME=$openai_home "$installed" openai check --env prod --openai-project proj_abc \
  --base-url http://127.0.0.1:9/v1 >/dev/null 2>"$work/openai.err"
openai_status=$?
check "vault openai runs the packaged vault-net (exit 2, no Admin key)" \
  same "$openai_status $(grep -c 'no Admin key' "$work/openai.err")" "2 1"

check "dpkg --root … --purge removes it" dpkg --root="$root" --force-not-root --purge vault
check "nothing is left in the root but dpkg's database" \
  same "$(find "$root" -mindepth 1 -not -path "$root/var/lib/dpkg*" -not -path "$root/var/lib" \
    -not -path "$root/var" | sort)" ""

if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && [ -e /usr/bin/vault ] \
  && ! dpkg -S /usr/bin/vault >/dev/null 2>&1; then
  echo "skip  dpkg -i on this machine: /usr/bin/vault exists and no package owns it"
elif [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ]; then
  echo "## dpkg -i on this (CI) machine"
  check "dpkg -i" dpkg -i "$deb"
  check "vault on PATH is /usr/bin/vault" same "$(command -v vault)" /usr/bin/vault
  check "vault --version on PATH" same "$(vault --version)" "vault $version (libsodium $sodium)"
  check "vault init, set, exec on PATH" journey vault
  if command -v man >/dev/null && [ -e /usr/share/man/man1/vault-exec.1.gz ]; then
    check "man vault-exec" grep -q -- '--allow-admin-key' <(MANWIDTH=100 MANPAGER=cat man vault-exec)
  fi
  check "dpkg --purge" dpkg --purge vault
  check "none of its files is left" \
    same "$(sed 's|^|/|' "$work/contents" | while read -r f; do [ -e "$f" ] && echo "$f"; done)" ""
fi
exit $failed
