"""On-site inspection: network planning, template matching, the inspection bulletin."""
