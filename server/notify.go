package server

import (
	"strconv"

	"quordis/conf"
)

// Keyspace notifications (notify-keyspace-events), as Redis 7.0 sends
// them: a write names what it did with an event ("set", "lpush", "del",
// "expired", ...) of a class (string, list, generic, ...), published to
// __keyspace@<db>__:<key> with the event as the message and to
// __keyevent@<db>__:<event> with the key, for the classes and the two
// kinds of channel the directive selects. Each handler notifies where it
// changed a key, beside its Modified, in Redis's order; the store's hooks
// notify the keys that expire and the server's eviction the keys it
// evicts. In cluster mode they stay on the node, as in Redis.

// Notification classes, for Ctx.Notify.
const (
	notifyGeneric = conf.NotifyGeneric
	notifyString  = conf.NotifyString
	notifyList    = conf.NotifyList
	notifySet     = conf.NotifySet
	notifyHash    = conf.NotifyHash
	notifyZset    = conf.NotifyZset
	notifyExpired = conf.NotifyExpired
	notifyEvicted = conf.NotifyEvicted
	notifyNew     = conf.NotifyNew
	notifyKeyMiss = conf.NotifyKeyMiss
)

// notify publishes the notification of event, of class, about key in db,
// when notify-keyspace-events selects its class. Called with s.mu held.
func (s *Server) notify(class int, event string, key []byte, db int) {
	flags := s.config().NotifyKeyspaceEvents
	if flags&class == 0 {
		return
	}
	prefix := "@" + strconv.Itoa(db) + "__:"
	if flags&conf.NotifyKeyspace != 0 {
		s.publish(append([]byte("__keyspace"+prefix), key...), []byte(event), false, false)
	}
	if flags&conf.NotifyKeyevent != 0 {
		s.publish([]byte("__keyevent"+prefix+event), key, false, false)
	}
}

// Notify publishes the keyspace notification of event, of class, about
// key in the command's database.
func (c *Ctx) Notify(class int, event string, key []byte) {
	c.s.notify(class, event, key, c.DB.ID())
}

// NotifyKey is Notify for a key held as a string.
func (c *Ctx) NotifyKey(class int, event, key string) {
	c.s.notifyKey(class, event, key, c.DB.ID())
}

// notifyKey is notify for a key held as a string, which it copies only
// when a notification goes out. Called with s.mu held.
func (s *Server) notifyKey(class int, event, key string, db int) {
	if s.config().NotifyKeyspaceEvents&class != 0 {
		s.notify(class, event, []byte(key), db)
	}
}

// notifyPopped publishes what a pop from the head (left) or tail of the
// list at key did: "lpop" or "rpop", then "del" when it emptied the list.
func (c *Ctx) notifyPopped(key string, left, emptied bool) {
	event := "rpop"
	if left {
		event = "lpop"
	}
	c.NotifyKey(notifyList, event, key)
	if emptied {
		c.NotifyKey(notifyGeneric, "del", key)
	}
}
