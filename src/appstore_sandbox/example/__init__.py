"""An example developer server: the Get Retention Message endpoint and a notification receiver."""
