package server

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"quordis/conf"
)

// TestPanicOutsideAHandlerCrashesInsteadOfHanging runs a server, in a child
// process, with a command whose key extraction panics: that runs with the
// server's lock held, outside the handler's recovery. The process must die
// with the panic, not hang on the lock it still holds.
func TestPanicOutsideAHandlerCrashesInsteadOfHanging(t *testing.T) {
	if os.Getenv("QUORDIS_PANIC_CHILD") == "1" {
		panickingServer()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPanicOutsideAHandlerCrashesInsteadOfHanging$")
	cmd.Env = append(os.Environ(), "QUORDIS_PANIC_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "the server hung after the panic; stderr:\n%s", stderr.String())
	require.Error(t, err, "the child must die of the panic")
	require.Contains(t, stderr.String(), "panic: keys exploded")
}

// panickingServer is the child of the test above: it serves one client the
// poisoned command and waits for the process to die.
func panickingServer() {
	s, err := New(conf.Default(), Options{})
	if err != nil {
		panic(err)
	}
	s.table.cmds["boom"] = &Command{Name: "boom", Arity: 2, Flags: FlagWrite,
		FirstKey: 1, LastKey: 1, Step: 1,
		Keys:    func([][]byte) []int { panic("keys exploded") },
		Handler: func(*Ctx) Reply { return Simple("OK") }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go s.Serve(ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	conn.Write([]byte("*2\r\n$4\r\nboom\r\n$1\r\nk\r\n"))
	time.Sleep(10 * time.Second) // the panic ends the process long before
	os.Exit(0)
}
