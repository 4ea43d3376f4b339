package server

// hllCommands are the commands of HyperLogLog; none is implemented yet, so they answer
// Redis's unknown command error.
func hllCommands() []*Command { return nil }
