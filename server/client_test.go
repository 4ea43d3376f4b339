package server

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// addrConn is a net.Conn that only reports a remote address.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// TestProtectedModeRefusesRemoteClientsWithoutPassword checks
// protected-mode's rule: with no password, only loopback and Unix-socket
// clients are served.
func TestProtectedModeRefusesRemoteClientsWithoutPassword(t *testing.T) {
	remote := addrConn{remote: &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 5000}}
	local := addrConn{remote: &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 5000}}
	local6 := addrConn{remote: &net.TCPAddr{IP: net.ParseIP("::1"), Port: 5000}}
	unix := addrConn{remote: &net.UnixAddr{Name: "@", Net: "unix"}}

	require.Equal(t, msgProtectedMode, protectedModeDenial(true, "", remote))
	require.Empty(t, protectedModeDenial(true, "", local))
	require.Empty(t, protectedModeDenial(true, "", local6))
	require.Empty(t, protectedModeDenial(true, "", unix))
	require.Empty(t, protectedModeDenial(true, "secret", remote), "a password lifts protected mode")
	require.Empty(t, protectedModeDenial(false, "", remote), "protected-mode no")
}

// TestPrefetchOneKey checks the rule that lets a pipeline on one key skip
// the look-ahead: every command names the same key, and no member.
func TestPrefetchOneKey(t *testing.T) {
	pf := prefetchList{keys: []string{"mylist", "mylist", "mylist"}}
	require.True(t, pf.oneKey())
	pf.keys = append(pf.keys, "other")
	require.False(t, pf.oneKey())
	pf = prefetchList{keys: []string{"h", "h"}, memberKeys: []string{"h", "h"}, members: []string{"f1", "f2"}}
	require.False(t, pf.oneKey(), "members of one big hash are worth prefetching")
	require.False(t, (&prefetchList{}).oneKey(), "no key at all")
}
