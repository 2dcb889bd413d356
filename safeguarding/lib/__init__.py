"""Cross-cutting helpers. Nothing here imports an app of the project (DESIGN §3)."""
