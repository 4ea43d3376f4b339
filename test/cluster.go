package test

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Node is one quordis-server process started with cluster-enabled yes.
type Node struct {
	Port, BusPort int
	Addr          string // 127.0.0.1:port
	Dir           string
	bin           string
	args          []string
	cmd           *exec.Cmd
}

// freePorts returns n distinct TCP ports free on loopback right now.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// StartNodes starts n cluster-mode nodes of the quordis-server binary bin,
// each in its own directory with its own bus port (cluster-port), with a
// short cluster-node-timeout, plus extra command-line directives. They
// are killed when the test ends.
func StartNodes(t *testing.T, bin string, n int, extra ...string) []*Node {
	t.Helper()
	ports := freePorts(t, 2*n)
	nodes := make([]*Node, n)
	for i := range nodes {
		nd := &Node{Port: ports[2*i], BusPort: ports[2*i+1], Dir: t.TempDir(), bin: bin}
		nd.Addr = "127.0.0.1:" + strconv.Itoa(nd.Port)
		nd.args = append([]string{
			"--port", strconv.Itoa(nd.Port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(nd.BusPort),
			"--cluster-node-timeout", "2000", "--dir", nd.Dir, "--save", "",
			"--logfile", filepath.Join(nd.Dir, "log"),
		}, extra...)
		nd.Start(t)
		nodes[i] = nd
	}
	return nodes
}

// Start (re)starts the node's process and waits until it answers.
func (nd *Node) Start(t *testing.T) {
	t.Helper()
	nd.cmd = exec.Command(nd.bin, nd.args...)
	require.NoError(t, nd.cmd.Start())
	cmd := nd.cmd
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", nd.Addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, 10*time.Second, 10*time.Millisecond)
}

// Kill stops the node's process with SIGKILL.
func (nd *Node) Kill(t *testing.T) {
	t.Helper()
	require.NoError(t, nd.cmd.Process.Kill())
	nd.cmd.Wait()
}

// Client returns a go-redis client of this node alone.
func (nd *Node) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: nd.Addr, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// Do runs one command on the node and returns its reply or error.
func (nd *Node) Do(t testing.TB, args ...any) (any, error) {
	c := redis.NewClient(&redis.Options{Addr: nd.Addr, DialTimeout: 5 * time.Second, Protocol: 2})
	defer c.Close()
	return c.Do(context.Background(), args...).Result()
}

// ID returns the node's CLUSTER MYID.
func (nd *Node) ID(t testing.TB) string {
	t.Helper()
	id, err := nd.Do(t, "cluster", "myid")
	require.NoError(t, err)
	return id.(string)
}

// Addrs lists the nodes' addresses.
func Addrs(nodes []*Node) []string {
	out := make([]string, len(nodes))
	for i, nd := range nodes {
		out[i] = nd.Addr
	}
	return out
}

// ClusterCLI runs `redis-cli --cluster <args>` and returns its output and
// exit error. stdin, when set, is fed to it (fix asks for "yes"). The
// time limit only catches a hang: each slot a reshard or rebalance moves
// takes several g0 commits, and emptying a master of 1,700 slots, which
// takes 1.5 minutes on a loaded 2-CPU machine, took over 3 in a CI run
// with other tests beside it.
func ClusterCLI(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("redis-cli")
	require.NoError(t, err, "redis-cli is needed; the test command installs redis-tools")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"--cluster"}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// CreateCluster builds a cluster of masters from nodes with
// `redis-cli --cluster create`, as a Redis Cluster user would, and waits
// until every node reports cluster_state:ok.
func CreateCluster(t *testing.T, nodes []*Node) {
	t.Helper()
	out, err := ClusterCLI(t, "", append([]string{"create"}, append(Addrs(nodes), "--cluster-yes")...)...)
	require.NoError(t, err, "%s", out)
	require.Contains(t, out, "[OK] All 16384 slots covered.", out)
	WaitClusterOK(t, nodes)
}

// WaitClusterOK waits until every node reports cluster_state:ok.
func WaitClusterOK(t *testing.T, nodes []*Node) {
	t.Helper()
	for _, nd := range nodes {
		require.Eventually(t, func() bool {
			info, err := nd.Do(t, "cluster", "info")
			return err == nil && strings.Contains(info.(string), "cluster_state:ok")
		}, 20*time.Second, 20*time.Millisecond, "node %s", nd.Addr)
	}
}

// ClusterClient returns a go-redis cluster client seeded with the nodes.
func ClusterClient(t testing.TB, nodes []*Node) *redis.ClusterClient {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: Addrs(nodes), DialTimeout: 5 * time.Second, MaxRedirects: 16})
	t.Cleanup(func() { c.Close() })
	return c
}
