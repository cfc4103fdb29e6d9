"""reports: pure renderers (terminal, JSON, LaTeX) and the CLI, the outermost layer."""
