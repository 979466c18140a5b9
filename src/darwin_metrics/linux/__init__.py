"""The Linux backend: procfs and sysfs read directly, relative to configurable roots."""
