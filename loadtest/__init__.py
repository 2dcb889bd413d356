"""The load test (docs/scaling.md): the Locust file and the runner behind `make loadtest`."""
