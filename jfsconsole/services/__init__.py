"""Use cases shared by the CLI and the TUI: backends + core, audited."""
