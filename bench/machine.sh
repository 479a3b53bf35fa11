# Shared by the bench/*.sh scripts (sourced): free ports, and what else the machine is doing
# while a benchmark runs, since it is shared with engineers who compile.

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
COMPILERS='^(rustc|cargo|cc1|cc1plus|ld|cc|c\+\+|clang|rust-lld|mold|sccache|build-script-b.*)$'
compilers() { ps -eo comm= | grep -Ec "$COMPILERS" || true; }
# Background sampler: per second, the number of compiler processes and the 1-min load.
start_sampler() { # FILE
    ( while :; do echo "$(compilers) $(cut -d' ' -f1 /proc/loadavg)" || true; sleep 1; done ) >"$1" &
    SAMPLER_PID=$!
}
stop_sampler() { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=; }
# "max_compilers max_load" seen by a sampler.
sampler_max() { awk 'BEGIN {c = 0; l = 0} {if ($1 > c) c = $1; if ($2 > l) l = $2} END {print c, l}' "$1"; }
