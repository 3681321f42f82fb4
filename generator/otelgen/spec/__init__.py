"""The user-facing spec: model, mode defaults and loading (files, merge, --set)."""
