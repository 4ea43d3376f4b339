//go:build ignore

// Gencommandinfo records COMMAND INFO of every command of a running
// redis-server into command-info-7.0.15.txt, the fixture that
// TestCommandTableMatchesRedis compares the command table with:
//
//	redis-server --port 16379 --save '' &
//	go run gencommandinfo.go -addr 127.0.0.1:16379 > command-info-7.0.15.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"sort"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "redis-server address")
	flag.Parse()
	conn, err := net.Dial("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(conn)
	do := func(args ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			log.Fatal(err)
		}
		var out strings.Builder
		readValue(r, &out)
		return out.String()
	}
	list := strings.Split(do("COMMAND", "LIST"), "\r\n")
	var names []string
	for i := 1; i+1 < len(list); i += 2 {
		names = append(names, list[i+1])
	}
	sort.Strings(names)
	fmt.Println("# COMMAND INFO of every command of redis-server 7.0.15 (RESP2), one per line, CRLF escaped.")
	fmt.Println("# Regenerate with gencommandinfo.go against a running redis-server 7.0.15.")
	esc := strings.NewReplacer(`\`, `\\`, "\r", `\r`, "\n", `\n`)
	for _, n := range names {
		fmt.Printf("%s\t%s\n", n, esc.Replace(do("COMMAND", "INFO", n)))
	}
}

func readValue(r *bufio.Reader, out *strings.Builder) {
	line, err := r.ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	out.WriteString(line)
	n, _ := strconv.Atoi(strings.TrimRight(line[1:], "\r\n"))
	switch line[0] {
	case '$':
		if n >= 0 {
			buf := make([]byte, n+2)
			if _, err := ioReadFull(r, buf); err != nil {
				log.Fatal(err)
			}
			out.Write(buf)
		}
	case '*':
		for i := 0; i < n; i++ {
			readValue(r, out)
		}
	}
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
