package server

// moduleCommand is MODULE. Redis modules are shared libraries written
// against Redis's C API; Quordis is Go and cannot load them. MODULE
// answers as a Redis with no module loaded would: LIST is empty, UNLOAD
// finds no module, and LOAD and LOADEX fail with Redis's error, the
// reason going to the log as Redis logs why a load failed. LOAD, LOADEX
// and UNLOAD are refused unless enable-module-command allows them, as in
// Redis.
func moduleCommand() *Command {
	admin := FlagAdmin | FlagNoScript
	change := admin | FlagNoAsyncLoading | FlagProtected
	return &Command{
		Name: "module", Arity: -2, Group: "server", Since: "4.0.0",
		Summary: "Container for module commands",
		Sub: []*Command{
			{
				// MODULE LIST
				Name: "list", Arity: 2, Flags: admin, Tips: []string{"nondeterministic_output_order"},
				Group: "server", Since: "4.0.0", Summary: "Lists the loaded modules", Complexity: "O(N) where N is the number of loaded modules.",
				Handler: func(*Ctx) Reply { return Array() },
			},
			{
				// MODULE LOAD path [arg ...]
				Name: "load", Arity: -3, Flags: change, Group: "server", Since: "4.0.0",
				Summary: "Loads a module", Complexity: "O(1)", Handler: moduleLoad,
			},
			{
				// MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]
				Name: "loadex", Arity: -3, Flags: change, Group: "server", Since: "7.0.0",
				Summary: "Loads a module with configurations and arguments", Complexity: "O(1)", Handler: moduleLoad,
			},
			{
				// MODULE UNLOAD name
				Name: "unload", Arity: 3, Flags: change, Group: "server", Since: "4.0.0",
				Summary: "Unloads a module", Complexity: "O(1)",
				Handler: func(*Ctx) Reply { return Err("ERR Error unloading module: no such module with that name") },
			},
			helpCommand("5.0.0", "module",
				"LIST", "    The modules loaded (none: Quordis cannot load Redis modules).",
				"LOAD <path> [<arg> ...]", "    Load the module at <path> with the given arguments.",
				"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
				"    Load the module at <path> with configurations and arguments.",
				"UNLOAD <name>", "    Unload a module."),
		},
	}
}

// MODULE LOAD path [arg ...], MODULE LOADEX path [...]
func moduleLoad(c *Ctx) Reply {
	c.s.log.Warn("Module failed to load: Quordis cannot load Redis modules", "path", string(c.Args[2]))
	return Err("ERR Error loading the extension. Please check the server logs.")
}
