"""The shell's storage: reading story folders, the compile cache, save slots and settings."""
