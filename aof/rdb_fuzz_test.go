package aof

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"testing"
	"testing/iotest"
	"time"

	"quordis/store"
)

// rdbFuzzTimeout bounds the work on one input: a decoder that spins must
// fail the input rather than stall the fuzzer.
const rdbFuzzTimeout = time.Second

// rdbFuzzMaxInput caps the inputs tried. The fuzzer minimizes every new
// interesting input by running it again for each candidate cut, which
// grows with the square of its length: long inputs would stall it for
// minutes while it still reports progress at 0 execs/s.
const rdbFuzzMaxInput = 1 << 10

// withWatchdog runs fn and fails t if it takes longer than rdbFuzzTimeout.
func withWatchdog(t *testing.T, what string, in []byte, fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(rdbFuzzTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s did not finish within %v on %d bytes: %.200q", what, rdbFuzzTimeout, len(in), in)
	}
}

// withFooter makes body a DUMP payload with a valid version and checksum,
// so that mutations reach the decoder rather than the checksum test.
func withFooter(body []byte) []byte {
	p := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), RDBVersion)
	return binary.LittleEndian.AppendUint64(p, crc64Update(0, p))
}

// FuzzRestore decodes arbitrary bytes as a DUMP payload as they are, as
// the value of a payload with a valid footer, and through DecodeValue
// (the first byte being the type) from a small buffer over a reader of
// unknown length. Each may refuse them but must not panic or hang; a
// value accepted must dump and restore to itself.
func FuzzRestore(f *testing.F) {
	for _, tc := range roundTripCases() {
		if p := Dump(&tc.o); len(p) < 512 {
			f.Add(p[:len(p)-10])
		}
	}
	for _, tc := range legacyPayloads() {
		if len(tc.payload) < 512 {
			f.Add(tc.payload[:len(tc.payload)-10])
		}
	}
	for _, tc := range redisDumps {
		f.Add([]byte(tc.payload))
	}
	f.Add(make([]byte, 10))
	f.Add([]byte{typeString, 0xc3, 1, 0x80, 0x7f, 0xff, 0xff, 0xff, 0})
	f.Add([]byte{typeListQuicklist2, 1, 2, 0xc3, 2, 20, 0x1f, 0, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > rdbFuzzMaxInput {
			return
		}
		withWatchdog(t, "Restore", data, func() {
			Restore(data, store.DefaultLimits())
			if o, err := Restore(withFooter(data), store.DefaultLimits()); err == nil {
				o2, err := Restore(Dump(&o), store.DefaultLimits())
				if err != nil {
					t.Errorf("a restored value does not restore from its own dump: %v", err)
					return
				}
				if renderObject(&o) != renderObject(&o2) {
					t.Errorf("dump and restore changed a value: %s became %s", renderObject(&o), renderObject(&o2))
				}
			}
			r := bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(data[1:])), 16)
			DecodeValue(r, data[0], store.DefaultLimits())
		})
	})
}

// FuzzReadRDB feeds arbitrary files to ReadRDB from a reader that knows
// its length and from one that does not (through a small buffer). It may
// refuse them but must not panic, hang or allocate from declared lengths,
// and both ways must give the same keys and the same verdict.
func FuzzReadRDB(f *testing.F) {
	small := store.New(store.Options{Databases: 2})
	small.DB(1).Set("l", listObj("a", "b", "1"), 0)
	small.DB(1).SetExpiry("l", 1_800_000_000_000)
	small.DB(0).Set("h", hashObj("f", "v", "n", "5"), 0)
	small.DB(0).Set("s", strObj("compress me, compress me, compress me"), 0)
	small.DB(0).Set("z", zsetObj("a", "1.5"), 0)
	small.DB(0).Set("i", setObj("1", "2"), 0)
	var buf bytes.Buffer
	if err := WriteRDB(&buf, small, 1_700_000_000_000, map[string]string{"used-mem": "1"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	for _, tc := range legacyPayloads() {
		if len(tc.payload) < 512 {
			file := append([]byte("REDIS0009\xfe\x00"), tc.payload[0], 1, 'k')
			file = append(file, tc.payload[1:len(tc.payload)-10]...)
			f.Add(append(file, opEOF, 0, 0, 0, 0, 0, 0, 0, 0))
		}
	}
	f.Add([]byte("REDIS0004\x00\x01k\x01v\xff"))
	f.Add([]byte("REDIS0010\xf5\x05hello\xfa\x01a\x01b\xf8\x05\xf9\x03\xfc\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01k\x01v\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > rdbFuzzMaxInput {
			return
		}
		withWatchdog(t, "ReadRDB", data, func() {
			a, _, errA := readAll(bytes.NewReader(data))
			b, _, errB := readAll(bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(data)), 16))
			if (errA == nil) != (errB == nil) || len(a) != len(b) {
				t.Errorf("the reader changed the result: %v (%d keys) and %v (%d keys)", errA, len(a), errB, len(b))
			}
		})
	})
}

// FuzzRestoreFunctions feeds arbitrary payloads (and the same with a
// valid footer) to FUNCTION RESTORE's reader: each must give the
// libraries' code or an error, never a panic or a hang, and what it reads
// must dump back to the same payload.
func FuzzRestoreFunctions(f *testing.F) {
	f.Add(DumpFunctions(nil)[:0])
	f.Add(DumpFunctions([]string{"#!lua name=a\nredis.register_function('f', function() return 1 end)"}))
	f.Add([]byte{opFunction2, 0x40, 0x43})
	f.Add([]byte{opFunctionPreGA, 1, 'x'})
	f.Add([]byte{typeString, 1, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > rdbFuzzMaxInput {
			return
		}
		withWatchdog(t, "RestoreFunctions", data, func() {
			RestoreFunctions(data)
			payload := withFooter(data)
			if codes, err := RestoreFunctions(payload); err == nil {
				again, err := RestoreFunctions(DumpFunctions(codes))
				if err != nil || len(again) != len(codes) {
					t.Fatalf("dumping %d libraries read back %d: %v", len(codes), len(again), err)
				}
			}
		})
	})
}
