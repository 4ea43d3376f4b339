package server

// dumpCommands are the commands of DUMP and RESTORE; none is implemented yet, so they answer
// Redis's unknown command error.
func dumpCommands() []*Command { return nil }
