#!/usr/bin/env bash
# Load on loopback (issue 6): wrk (Debian's package) against `jiuzhu serve` on the demo county, 64
# concurrent sessions, each scenario bounded in time; prints p50/p99 latency and errors per scenario.
#   scripts/load.sh                 # release binary (swift build -c release), demo county of 14,000 households
#   BIN=.build/debug/jiuzhu HOUSEHOLDS=3000 DURATION=10 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.build/release/jiuzhu}"; HOUSEHOLDS="${HOUSEHOLDS:-14000}"; DURATION="${DURATION:-15}"
PORT="${PORT:-8390}"; SESSIONS=64; WORK="${WORK:-/tmp/jiuzhu-load}"
[ -x "$BIN" ] || { echo "no binary at $BIN: swift build -c release (or BIN=.build/debug/jiuzhu)"; exit 2; }
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
rm -rf "$WORK"; mkdir -p "$WORK"; DB="$WORK/load.sqlite"; BASE="http://127.0.0.1:$PORT"
# The demo keeps its data key beside its database (ADR 0021); every command here uses that file.
unset JIUZHU_DATA_KEY JIUZHU_DATA_KEY_PREVIOUS
"$BIN" demo --no-serve --households "$HOUSEHOLDS" --db "$DB" >/dev/null
export JIUZHU_DATA_KEY_FILE="$DB.key"
PASS="load test passphrase 2026"
# 64 clerks at 64 desks: accounts load01…load64; sign-ins come through a "proxy" (loopback) naming
# each desk's address, as they would behind the bureau's reverse proxy (the sign-in limits are per
# account and per address: one address cannot sign in 64 times at once, by design).
for i in $(seq -w 1 $SESSIONS); do
  printf '%s\n' "$PASS" | "$BIN" user add "load$i" --role county-staff --area 510921 --password-stdin --db "$DB" >/dev/null
done
"$BIN" serve --db "$DB" --hostname 127.0.0.1 --port "$PORT" --insecure-cookies --trusted-proxy 127.0.0.1 >"$WORK/serve.log" 2>&1 &
SERVER=$!; trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/health" && break; sleep 0.2; done
token() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }
# A fresh anonymous session: "cookie csrf".
anonymous() { local jar="$WORK/jar.$1"; local t; t=$(curl -s -c "$jar" "$BASE/login" | token)
  echo "$(awk '$6=="jiuzhu_session"{print $7}' "$jar") $t"; }
# 64 signed-in sessions (cookies).
: > "$WORK/cookies"
for i in $(seq -w 1 $SESSIONS); do
  read -r c t < <(anonymous "s$i")
  curl -s -o /dev/null -D "$WORK/h.$i" -b "jiuzhu_session=$c" -H "X-Forwarded-For: 10.0.1.$((10#$i))" \
    --data-urlencode "_csrf=$t" --data-urlencode "username=load$i" \
    --data-urlencode "password=$PASS" "$BASE/login"
  grep -i '^set-cookie: jiuzhu_session=' "$WORK/h.$i" | sed 's/^[^=]*=//;s/;.*//' | tr -d '\r' >> "$WORK/cookies"
done
# Anonymous sessions for the sign-in scenario (each used once).
: > "$WORK/pairs"; for i in $(seq 1 300); do anonymous "a$i" >> "$WORK/pairs"; done
HOUSEHOLD_IDS=$(sqlite3 "$DB" "SELECT id FROM households ORDER BY id LIMIT 500" 2>/dev/null || true)
[ -n "$HOUSEHOLD_IDS" ] || HOUSEHOLD_IDS=$(seq -f 'demo-%06g' 1 500)
echo "$HOUSEHOLD_IDS" > "$WORK/households"
cat > "$WORK/pages.lua" <<'LUA'
local cookies, ids, n = {}, {}, 0
for l in io.lines(os.getenv("WORK") .. "/cookies") do cookies[#cookies + 1] = l end
for l in io.lines(os.getenv("WORK") .. "/households") do ids[#ids + 1] = l end
local mode = os.getenv("MODE")
request = function()
  n = n + 1
  local path = mode == "search" and "/households?q=%E5%BC%A0" or ("/households/" .. ids[(n % #ids) + 1])
  return wrk.format("GET", path, { ["Cookie"] = "jiuzhu_session=" .. cookies[(n % #cookies) + 1] })
end
response = function(status) if status ~= 200 then wrk.thread:set("bad", (wrk.thread:get("bad") or 0) + 1) end end
LUA
cat > "$WORK/signin.lua" <<'LUA'
local pairs_, n = {}, 0
for l in io.lines(os.getenv("WORK") .. "/pairs") do
  local c, t = l:match("^(%S+) (%S+)$"); pairs_[#pairs_ + 1] = { c, t }
end
request = function()
  n = n + 1
  local p = pairs_[((n - 1) % #pairs_) + 1]
  local desk = ((n - 1) % 64) + 1
  local token = p[2]:gsub("%+", "%%2B"):gsub("/", "%%2F"):gsub("=", "%%3D")
  local body = string.format("username=load%02d&password=%s&_csrf=%s", desk, os.getenv("PASSENC"), token)
  return wrk.format("POST", "/login", { ["Cookie"] = "jiuzhu_session=" .. p[1], ["X-Forwarded-For"] = "10.0.2." .. desk,
                                         ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
LUA
export WORK PASSENC="load%20test%20passphrase%202026"
run() { # name, script, mode, duration
  local out; out=$(MODE="$3" wrk -t2 -c$SESSIONS -d"$4"s --timeout 20s --latency -s "$2" "$BASE" 2>&1)
  local p50 p99 req non2xx errs
  p50=$(echo "$out" | awk '$1=="50%"{print $2}'); p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  req=$(echo "$out" | awk '/requests in/{print $1}'); non2xx=$(echo "$out" | awk '/Non-2xx or 3xx/{print $NF}')
  errs=$(echo "$out" | awk '/Socket errors/{print $0}')
  printf '%-14s requests %-6s p50 %-9s p99 %-9s non-2xx/3xx %-5s %s\n' "$1" "$req" "$p50" "$p99" "${non2xx:-0}" "${errs:-no socket errors}"
}
echo "九助 load: $BIN, $HOUSEHOLDS households, $SESSIONS connections, ${DURATION}s per scenario, loopback"
run "search" "$WORK/pages.lua" search "$DURATION"
run "household" "$WORK/pages.lua" household "$DURATION"
# Sign-in: bcrypt (cost 12) on the thread pool; 64 accounts from 64 addresses; each anonymous session
# signs in once (300 of them: beyond, a reused session's token is gone and the answer is 403).
run "sign-in" "$WORK/signin.lua" signin "$DURATION"
