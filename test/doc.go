// Package test starts real Quordis servers for tests, as net/http/httptest
// does for HTTP: StartServer runs one on a loopback port inside the test
// process, and the end-to-end tests of this package drive it through real
// clients (go-redis, redis-cli, raw sockets).
package test
