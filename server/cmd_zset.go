package server

// zsetCommands are the commands of sorted sets; none is implemented yet, so they answer
// Redis's unknown command error.
func zsetCommands() []*Command { return nil }
