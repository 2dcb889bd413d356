"""Statutory clocks: the pure engine, the work tray, the daily escalations and the registries through which later apps add their clocks and panels."""
