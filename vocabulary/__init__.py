"""The vocabulary the contracts share: plain data that every floor above may import."""
