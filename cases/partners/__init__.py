"""Partner agencies: their notifications, the triage queue, the partner API and its disclosure log."""
