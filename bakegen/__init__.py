"""bakegen: images.yaml (a graph of layered images) -> docker-bake.hcl."""

__version__ = "0.2.0"
