"""An app's catalog as App Store Connect keeps it: products, subscription groups, promotional
offers, and how strictly realtime responses are checked against them."""
