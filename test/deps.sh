#!/bin/sh
# Installs what the tests need on a fresh Debian machine when it is missing:
# redis-cli and redis-benchmark (redis-tools), redis-server (to compare
# with real Redis), Debian's python3-redis (redis-py, the cluster client
# the cluster tests drive; it lands in /usr/bin/python3, which is not
# always the python3 first on PATH), and staticcheck for the lint step.
set -e
need=""
command -v redis-cli >/dev/null 2>&1 || need="$need redis-tools"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
/usr/bin/python3 -c 'import redis.cluster' >/dev/null 2>&1 || need="$need python3-redis"
if [ -n "$need" ]; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	# A fresh machine may have empty package lists.
	if ! $SUDO apt-get install -y $need >/dev/null 2>&1; then
		$SUDO apt-get update >/dev/null
		$SUDO apt-get install -y $need >/dev/null
	fi
	# The package starts a redis-server on 6379; the tests do not want it.
	$SUDO service redis-server stop >/dev/null 2>&1 || true
fi
GOBIN="$(go env GOPATH)/bin"
if [ ! -x "$GOBIN/staticcheck" ]; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
