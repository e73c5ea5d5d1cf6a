"""Apple's performance test of a Get Retention Message endpoint: engine, statistics, service."""
