# Free loopback ports for the test brokers, sourced by scripts/kafka-broker and scripts/pulsar-broker.
# A port is free when nothing answers on 127.0.0.1 as it is picked. Another process may still bind
# it before the broker does (tests run side by side): the scripts start again on new ports then.

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a free port in 20000-49999 other than the ports given.
pick_port() {
  local p taken
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    taken=0
    for q in "$@"; do [[ "$p" == "$q" ]] && taken=1; done
    if ((taken == 0)) && port_is_free "$p"; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}
