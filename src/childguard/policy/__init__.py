"""Child online protection policy self-assessment against a shipped checklist (issue 19)."""
