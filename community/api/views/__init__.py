"""The API's views, one module per subject; each is a thin DRF view over selectors and services."""
