"""Conversation files on disk: one JSON file each, a derived SQLite index, the trash."""
