"""First-start defaults that other tools and docs depend on (DESIGN: user-facing contract)."""

DEFAULT_BUNDLE_ID = "com.example.app"
