package bench

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Row is one line of `redis-benchmark --csv` output (Redis 7.0): the
// test's title and its results, latencies in milliseconds.
type Row struct {
	Test  string // e.g. "SET", "MSET (10 keys)", "lrange mylist 0 99"
	RPS   float64
	AvgMs float64
	MinMs float64
	P50Ms float64
	P95Ms float64
	P99Ms float64
	MaxMs float64
}

// csvColumns are the header names redis-benchmark 7.0 prints, in order:
// "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
// "p95_latency_ms","p99_latency_ms","max_latency_ms".
var csvColumns = []string{"test", "rps", "avg_latency_ms", "min_latency_ms",
	"p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms"}

// ParseCSV reads redis-benchmark --csv output and returns its rows in
// order. Columns are found by header name, so their order may change; all
// of csvColumns must be present. Lines before the header (warnings) are
// skipped. Output with a header and no rows, which is what redis-benchmark
// prints when every command failed, is an error.
func ParseCSV(r io.Reader) ([]Row, error) {
	var (
		body strings.Builder
		seen bool
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !seen && !(strings.Contains(line, `"test"`) && strings.Contains(line, `"rps"`)) {
			continue
		}
		seen = true
		body.WriteString(line)
		body.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: reading redis-benchmark output: %w", err)
	}
	if !seen {
		return nil, errors.New("bench: no CSV header in redis-benchmark output")
	}
	recs, err := csv.NewReader(strings.NewReader(body.String())).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("bench: redis-benchmark CSV: %w", err)
	}
	col := make(map[string]int, len(recs[0]))
	for i, name := range recs[0] {
		col[name] = i
	}
	for _, name := range csvColumns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("bench: redis-benchmark CSV has no %q column", name)
		}
	}
	if len(recs) == 1 {
		return nil, errors.New("bench: redis-benchmark printed no results")
	}
	rows := make([]Row, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		num := func(name string) float64 {
			v, perr := strconv.ParseFloat(rec[col[name]], 64)
			if perr != nil && err == nil {
				err = fmt.Errorf("bench: redis-benchmark CSV: %s of %q: %w", name, rec[col["test"]], perr)
			}
			return v
		}
		rows = append(rows, Row{
			Test: rec[col["test"]], RPS: num("rps"), AvgMs: num("avg_latency_ms"),
			MinMs: num("min_latency_ms"), P50Ms: num("p50_latency_ms"),
			P95Ms: num("p95_latency_ms"), P99Ms: num("p99_latency_ms"), MaxMs: num("max_latency_ms"),
		})
	}
	if err != nil {
		return nil, err
	}
	return rows, nil
}
