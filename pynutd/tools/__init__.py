"""The pynutd sub-commands that are not the server: scan, read, killpower."""
