package cluster

// Slots is the number of hash slots a Redis Cluster keyspace is split into.
const Slots = 16384

// crcTable is CRC-16/XMODEM (polynomial 0x1021, initial value 0, no
// reflection), the checksum Redis Cluster hashes keys with.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16[T string | []byte](b T) uint16 {
	var c uint16
	for i := 0; i < len(b); i++ {
		c = c<<8 ^ crcTable[byte(c>>8)^b[i]]
	}
	return c
}

// KeySlot returns the hash slot of key: CRC16 of the key, or of its hash
// tag (the bytes between the first '{' and the first '}' after it, when
// that is not empty), modulo 16384.
func KeySlot(key []byte) int { return keySlot(key) }

// KeySlotString is KeySlot of a string key.
func KeySlotString(key string) int { return keySlot(key) }

func keySlot[T string | []byte](key T) int {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j > i+1 {
					key = key[i+1 : j]
				}
				return int(crc16(key) & (Slots - 1))
			}
		}
		break
	}
	return int(crc16(key) & (Slots - 1))
}
