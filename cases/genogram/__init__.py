"""The family tree (genogram) drawn on the server as an accessible SVG."""
