package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestControlRequestsWithoutTheirPartsAreRefused: a control RPC comes
// from another node over the bus; one missing its op or node must get an
// error, not take the process down.
func TestControlRequestsWithoutTheirPartsAreRefused(t *testing.T) {
	n := &clusterNode{}
	for _, req := range []string{`{"type":"propose"}`, `{"type":"invite"}`, `{"type":"invite","node":{"id":"x"}}`, `{"type":"nope"}`, `[1]`} {
		_, err := n.handleControl([]byte(req))
		require.Error(t, err, req)
	}
}
