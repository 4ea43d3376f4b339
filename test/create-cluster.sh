#!/bin/sh
# A local cluster of three masters on loopback for trying Quordis out, as
# Redis's utils/create-cluster does: `start` runs three quordis-server
# processes on ports $PORT..$PORT+2 (default 7000; bus ports +10000), each
# with its data in ./cluster-data/<port>, and joins them with
# `redis-cli --cluster create`; `stop` ends them and removes cluster-data.
set -e
cd "$(dirname "$0")/.."
PORT=${PORT:-7000}
DATA=cluster-data
case "$1" in
start)
	[ -x ./quordis-server ] || go build -o quordis-server ./cmd/quordis-server
	command -v redis-cli >/dev/null 2>&1 || sh test/deps.sh
	mkdir -p "$DATA"
	nodes=""
	for p in $PORT $((PORT + 1)) $((PORT + 2)); do
		mkdir -p "$DATA/$p"
		./quordis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
			--cluster-node-timeout 5000 --appendonly yes --dir "$DATA/$p" \
			--logfile server.log </dev/null >/dev/null 2>&1 &
		echo $! >"$DATA/$p/pid"
		nodes="$nodes 127.0.0.1:$p"
	done
	for p in $PORT $((PORT + 1)) $((PORT + 2)); do
		i=0
		until redis-cli -p "$p" ping >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -lt 100 ] || { echo "node $p did not start; see $DATA/$p/server.log"; exit 1; }
			sleep 0.1
		done
	done
	# A second start finds the nodes already joined; create then refuses.
	if redis-cli -p "$PORT" cluster info | grep -q 'cluster_known_nodes:1'; then
		redis-cli --cluster create $nodes --cluster-yes
	fi
	echo "cluster up: redis-cli -c -p $PORT"
	;;
stop)
	for f in "$DATA"/*/pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	sleep 0.5
	rm -rf "$DATA"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
