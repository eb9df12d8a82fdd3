"""The service's own code: its Django apps and the platform layer."""
