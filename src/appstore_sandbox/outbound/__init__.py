"""Calling developers' servers: one send path and one classification, shared by the performance
test and notification delivery."""
