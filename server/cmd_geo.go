package server

// geoCommands are the commands of geospatial indexes; none is implemented yet, so they answer
// Redis's unknown command error.
func geoCommands() []*Command { return nil }
