package server

// hashCommands are the commands of hashes; none is implemented yet, so they answer
// Redis's unknown command error.
func hashCommands() []*Command { return nil }
