"""App Store Server Notifications testing: test notifications, delivery with retries, history."""
