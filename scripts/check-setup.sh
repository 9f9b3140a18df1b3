#!/usr/bin/env bash
# The stand-ins below are single-quoted scripts that expand when they run:
# shellcheck disable=SC2016
# Runs every install path of scripts/setup.sh on a machine that already has
# the tools, by putting noisy stand-ins for rustup, cargo, npm, apt-get and
# the Postgres tools first (and alone) on PATH. The stand-ins print what real
# installers print (apt's "(Reading database ..." included) on standard
# output, then "install" a stand-in of the tool. The check then evaluates the
# setup's output exactly as scripts/test.sh and scripts/dev.sh do, and fails
# if anything but the PATH line reached it, if an install path did not run,
# or if a second run installs anything again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
stubs="$work/bin" state="$work/state" home="$work/home"
mkdir -p "$stubs" "$state" "$home"

# The few real programs setup.sh itself uses, and nothing else.
for tool in bash sh grep sed mkdir sort tail ls seq sleep dirname cat touch chmod rm ln; do
  ln -s "$(command -v "$tool")" "$stubs/$tool"
done

noise='printf "%s\n" "(Reading database ... 5%%" "Unpacking (1:2.3) ..." "Compiling foo v1.0 (registry)" "\$(exit 1)" "\"unbalanced" "it'"'"'s"'
stub() { # stub NAME BODY: a stand-in that logs its call and runs BODY; `noise` makes noise on stdout
  printf '#!/bin/bash\necho "%s $*" >> "%s/calls"\nnoise() { %s; }\n%s\n' "$1" "$state" "$noise" "$2" > "$stubs/$1"
  chmod +x "$stubs/$1"
}
# fake_tool PATH VERSION-LINE: what an installer leaves behind.
cat > "$stubs/fake_tool" <<'EOS'
#!/bin/bash
mkdir -p "$(dirname "$1")"
printf '#!/bin/bash\necho "%s"\n' "$2" > "$1"
chmod +x "$1"
EOS
chmod +x "$stubs/fake_tool"

stub rustup '
if [ "$1 $2" = "target list" ]; then cat "'"$state"'/targets" 2>/dev/null; exit 0; fi
if [ "$1 $2" = "target add" ]; then noise; echo "$3" >> "'"$state"'/targets"; fi'
# cargo install --root R NAME --version V ...; cargo SUB runs cargo-SUB like cargo does.
stub cargo '
if [ "$1" = install ]; then
  noise; root="$3" name="$4" version="$6"
  case "$name" in
    cargo-leptos) fake_tool "$root/bin/cargo-leptos" "cargo-leptos $version" ;;
    wasm-bindgen-cli) fake_tool "$root/bin/wasm-bindgen" "wasm-bindgen $version" ;;
    cargo-nextest) fake_tool "$root/bin/cargo-nextest" "cargo-nextest $version" ;;
  esac
  exit 0
fi
sub="$1"; command -v "cargo-$sub" >/dev/null || exit 101
exec "cargo-$sub" "$@"'
stub apt-get '
noise; [ "$1" = update ] && exit 0
for pkg in "$@"; do case "$pkg" in
  nodejs) ln -sf "'"$stubs"'/npm-installed" "'"$stubs"'/npm" ;;
  shellcheck) fake_tool "'"$stubs"'/shellcheck" "ShellCheck 0.9" ;;
  chromium) fake_tool "$CHROMIUM" "Chromium 1" ;;
  chromium-driver) fake_tool "$CHROMEDRIVER" "ChromeDriver 1" ;;
  postgresql) ln -sf "'"$stubs"'/pg_ctlcluster-installed" "'"$stubs"'/pg_ctlcluster" ;;
esac; done'
stub npm-installed '
noise; while [ "$1" != --prefix ]; do shift; done; prefix="$2" package="$3"
case "$package" in
  binaryen@*) fake_tool "$prefix/node_modules/binaryen/bin/wasm-opt" "wasm-opt version 132 (version_132)" ;;
  axe-core@*) fake_tool "$prefix/node_modules/axe-core/axe.min.js" "/* axe */" ;;
esac'
stub pg_isready '[ -e "'"$state"'/pg-started" ]'
stub pg_ctlcluster-installed 'noise; touch "'"$state"'/pg-started"'

env_for_setup=(env -i "PATH=$stubs" "HOME=$home" "CUSTOMERS_TOOLS_DIR=$work/tools"
  "CHROMIUM=$work/chromium/chromium" "CHROMEDRIVER=$work/chromium/chromedriver")
fail() { echo "check-setup: $*" >&2; exit 1; }

# 1. --check on the empty machine lists everything and installs nothing.
if "${env_for_setup[@]}" bash "$root/scripts/setup.sh" --check >"$work/out" 2>"$work/err"; then
  fail "--check passed on a machine with nothing installed"
fi
for what in wasm32 cargo-leptos wasm-bindgen-cli wasm-opt cargo-nextest shellcheck Chromium axe-core PostgreSQL; do
  grep -q "missing: .*$what" "$work/err" || fail "--check did not list $what as missing"
done
installs='(^| )install |target add|^pg_ctlcluster'
! grep -Eq "$installs" "$state/calls" || fail "--check ran an installer: $(grep -E "$installs" "$state/calls")"

# 2. The real evaluation, as scripts/test.sh does it, with every installer noisy.
script='set -euo pipefail; path_line="$(bash '"$root"'/scripts/setup.sh --test)"; eval "$path_line"; printf "%s\n" "$PATH"'
"${env_for_setup[@]}" bash -c "$script" >"$work/path" 2>"$work/err" \
  || { cat "$work/err" >&2; fail "evaluating 'setup.sh --test' failed"; }
grep -q "^$work/tools/cargo/bin:$work/tools/binaryen/node_modules/binaryen/bin:" "$work/path" \
  || fail "the evaluated PATH lacks the tool directories: $(cat "$work/path")"
for call in "rustup target add wasm32-unknown-unknown" "cargo install --root $work/tools/cargo cargo-leptos --version 0.3.10 --locked" \
  "cargo install --root $work/tools/cargo wasm-bindgen-cli" "apt-get -y -qq install nodejs" "npm-installed install --silent --no-audit --no-fund --prefix $work/tools/binaryen" \
  "npm-installed install --silent --no-audit --no-fund --prefix $work/tools/axe axe-core@4.10.3" \
  "cargo install --root $work/tools/cargo cargo-nextest" "apt-get -y -qq install shellcheck" \
  "apt-get -y -qq install chromium chromium-driver" "apt-get -y -qq install postgresql" "pg_ctlcluster-installed --skip-systemctl-redirect"; do
  grep -qF "$call" "$state/calls" || fail "the install path '$call' did not run"
done
grep -q "Reading database" "$work/err" || fail "the installers' noise did not reach standard error"

# 3. Everything is there now: --check passes, and a second run installs nothing.
"${env_for_setup[@]}" bash "$root/scripts/setup.sh" --check >/dev/null 2>"$work/err" \
  || { cat "$work/err" >&2; fail "--check failed after the install"; }
: > "$state/calls"
out="$("${env_for_setup[@]}" bash "$root/scripts/setup.sh" --test 2>/dev/null)"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "a warm run printed more than one line: $out"
! grep -Eq "$installs" "$state/calls" || fail "a warm run installed again: $(grep -E "$installs" "$state/calls")"
echo "check-setup: every install path ran; only the PATH line reached the evaluation"
