# The test broker's JVM as scripts/kafka-broker and scripts/pulsar-broker run it: in the
# background of the script, so that readiness can be awaited, stopped and its folder removed at
# exit. Sourcing scripts set `dir` (the broker's folder), `keep_dir` (0: remove it at exit) and
# `say`, and start the JVM with broker_pid=$!.

broker_pid=""

show_log_tail() {
  say "last lines of $dir/broker.log:"
  tail -n 40 "$dir/broker.log" >&2 2>/dev/null || true
  [[ -s "$dir/console.log" ]] && { say "console:"; tail -n 20 "$dir/console.log" >&2; }
  return 0
}

# SIGTERM, up to 30 s for the broker's own shutdown, then SIGKILL.
stop_broker() {
  if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  if ((keep_dir == 0)); then rm -rf "$dir"; fi
}
trap stop_broker EXIT
# A second signal (Ctrl-C twice; timeout(1) passing its SIGTERM on) must not cut the stop short.
trap 'trap "" INT TERM; say "stopping"; exit 0' INT TERM

# A ready broker: runs until it exits or the script is stopped, and exits with its status.
serve_until_stopped() {
  say "ready after $1 s; Ctrl-C stops it"
  set +e
  wait "$broker_pid"
  local status=$?
  broker_pid=""
  if ((status != 0)); then say "the broker exited with status $status"; show_log_tail; fi
  exit "$status"
}
