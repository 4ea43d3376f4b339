package server

// listCommands are the commands of lists; none is implemented yet, so they answer
// Redis's unknown command error.
func listCommands() []*Command { return nil }
