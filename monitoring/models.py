"""Monitoring's own models: at-risk rules, suppression settings, webhook endpoints and deliveries."""
