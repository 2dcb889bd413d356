"""The REST API of the cases app (DESIGN §9): partner endpoints and staff endpoints."""
