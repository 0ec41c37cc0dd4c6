#!/usr/bin/env bash
# run-examples.sh GJS EXAMPLES_DIR PKI_DIR: runs examples/gjs/server.js and
# client.js against each other with the test PKI. TAP.
set -u
gjs=$1
examples=$2
pki=$3

server_pid=
server_fd=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null
  server_pid=
}
trap cleanup EXIT

# start_server NAME [ARGS...]: server.js with NAME-chain.pem and NAME.key;
# sets $port from its first line, "listening on port N".
start_server() {
  local name=$1 line
  shift
  port=
  coproc SERVER { exec "$gjs" -m "$examples/server.js" --cert "$pki/$name-chain.pem" \
    --key "$pki/$name.key" "$@" 2>&1; }
  server_pid=$SERVER_PID
  exec {server_fd}<&"${SERVER[0]}"
  if read -r -t 30 line <&"$server_fd"; then
    case $line in
      "listening on port "*) port=${line##* } ;;
      *) echo "# server said: $line" ;;
    esac
  fi
  [ -n "$port" ]
}

client() {
  timeout 60 "$gjs" -m "$examples/client.js" "$@"
}

n=0
result() { # result OK NAME [DETAIL]
  n=$((n + 1))
  if [ "$1" = 0 ]; then
    echo "ok $n $2"
  else
    echo "not ok $n $2"
    [ -n "${3:-}" ] && echo "# $3"
  fi
}

echo "1..3"

# The echo, with an EC and an RSA server key; the server exits after one client.
for name in server-ec server-rsa; do
  if start_server "$name" --once; then
    reply=$(client --ca "$pki/ca.pem" "localhost:$port" "hello from gjs, $name")
    status=$?
    log=$(timeout 30 cat <&"$server_fd")
    wait "$server_pid"
    server_status=$?
    server_pid=
    [ "$status" = 0 ] && [ "$reply" = "hello from gjs, $name" ] && [ "$server_status" = 0 ] &&
      [[ $log == *" connected (TLS_"*" disconnected"* ]]
    result $? "echo with $name" "client $status '$reply', server $server_status: ${log//$'\n'/ | }"
  else
    result 1 "echo with $name" "the server did not start"
  fi
done

# A certificate for another name: the client reports the ssl error and fails.
if start_server wrong-host; then
  errors=$(client --ca "$pki/ca.pem" "localhost:$port" unused 2>&1 >/dev/null)
  status=$?
  [ "$status" = 1 ] &&
    [[ $errors == *"ssl error: The host name did not match any of the valid hosts for this certificate"* ]]
  result $? "wrong host fails" "client $status: ${errors//$'\n'/ | }"
else
  result 1 "wrong host fails" "the server did not start"
fi
cleanup
