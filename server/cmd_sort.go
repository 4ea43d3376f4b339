package server

// sortCommands are the commands of SORT and SORT_RO; none is implemented yet, so they answer
// Redis's unknown command error.
func sortCommands() []*Command { return nil }
