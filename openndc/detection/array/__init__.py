"""detection/array package."""
