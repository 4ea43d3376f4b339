package aof

import "hash/crc64"

// The checksum of RDB files and DUMP payloads: CRC-64 with the Jones
// polynomial (0xad93d23594c935a9), reflected input and output, an initial
// value of 0 and no final XOR, as Redis's crc64.c computes it.
//
// hash/crc64 builds the reflected table and computes it fast (eight bytes
// at a time), but its Update complements the CRC before and after, the
// convention of the ISO and ECMA variants. Complementing around the call
// undoes that, which leaves Redis's variant.

// jonesReflected is the Jones polynomial with its bits reversed, the form
// crc64.MakeTable expects.
const jonesReflected = 0x95ac9329ac4bc9b5

var jonesTable = crc64.MakeTable(jonesReflected)

// crc64Update returns Redis's crc64(crc, p).
func crc64Update(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
