"""What the server is doing: logs, Prometheus metrics, OpenTelemetry traces and request ids."""
