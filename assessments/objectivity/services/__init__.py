"""Writes of the objectivity checks, one module per purpose: `runs` (requesting
and running a check), `flags` (answers to flags, flags into a roadmap),
`official` (official lists)."""
