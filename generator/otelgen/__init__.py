"""otelgen: typed OpenTelemetry Collector specs rendered into Kubernetes manifests."""

__version__ = "0.1.0"
