"""qmframe's own behaviour, registered through the same hooks third parties use."""
