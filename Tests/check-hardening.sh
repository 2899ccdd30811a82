#!/usr/bin/env bash
# Checks that a release binary is built the way README ("Design decisions", "Release binary")
# says: static-pie (ASLR kept, no interpreter, no shared libraries: libsodium is inside), no
# RUNPATH or RPATH (nothing is loaded from beside the binary), full RELRO (GNU_RELRO and
# BIND_NOW), a non-executable stack, stripped. Prints one line per property; exits 1 if any
# is missing.
# With --dynamic (vault-net, which needs the system's libcurl): a PIE with an interpreter and
# only Debian's shared libraries (libcurl, libsodium, glibc, libstdc++, libgcc), none from the
# Swift toolchain; every other property the same.
# Usage: Tests/check-hardening.sh [--dynamic] [path/to/release/vault]   (run by `make build`)
set -uo pipefail
dynamic_ok=0
if [ "${1:-}" = --dynamic ]; then dynamic_ok=1; shift; fi
binary=${1:-.build/release/vault}
[ -x "$binary" ] || { echo "check-hardening: no binary at $binary (make build)" >&2; exit 1; }
for tool in readelf file; do
  command -v "$tool" >/dev/null || { echo "check-hardening: needs $tool (binutils, file)" >&2; exit 1; }
done

header=$(LC_ALL=C readelf -h "$binary")
dynamic=$(LC_ALL=C readelf -d "$binary")
segments=$(LC_ALL=C readelf -lW "$binary")
sections=$(LC_ALL=C readelf -SW "$binary")
kind=$(LC_ALL=C file -b "$binary")
failed=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" = 0 ]; then echo "ok    $1"; else echo "FAIL  $1"; failed=1; fi
}
grep -q 'Type: *DYN' <<<"$header"; check "position-independent (ELF type DYN)" $?
if [ "$dynamic_ok" = 1 ]; then
  grep -qE '\(FLAGS_1\).*PIE' <<<"$dynamic"; check "PIE (FLAGS_1)" $?
  needed=$(grep '(NEEDED)' <<<"$dynamic" | sed 's/.*\[\(.*\)\]/\1/')
  ! grep -vqE '^(libcurl\.so\.4|libsodium\.so\.23|libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2)$' <<<"$needed"
  check "only Debian's libraries needed (no Swift runtime .so): $(echo $needed)" $?
else
  ! grep -q 'INTERP' <<<"$segments"; check "static-pie: no program interpreter" $?
  grep -q 'static-pie linked' <<<"$kind"; check "static-pie linked (file)" $?
  ! grep -q '(NEEDED)' <<<"$dynamic"; check "no shared libraries needed (libsodium linked in)" $?
fi
! grep -qE '\((RUNPATH|RPATH)\)' <<<"$dynamic"; check "no RUNPATH or RPATH" $?
grep -q 'GNU_RELRO' <<<"$segments"; check "GNU_RELRO segment" $?
grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<<"$dynamic"; check "BIND_NOW (full RELRO)" $?
grep -E 'GNU_STACK' <<<"$segments" | grep -qv 'RWE'; check "non-executable stack" $?
! grep -q '\.symtab' <<<"$sections"; check "stripped (no .symtab)" $?
grep -q ', stripped' <<<"$kind"; check "stripped (file)" $?
"$binary" --help >/dev/null 2>&1; check "starts (--help)" $?
exit $failed
