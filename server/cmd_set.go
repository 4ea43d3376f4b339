package server

// setCommands are the commands of sets; none is implemented yet, so they answer
// Redis's unknown command error.
func setCommands() []*Command { return nil }
