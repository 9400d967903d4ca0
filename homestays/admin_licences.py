"""Licences (证照) in the admin: owners enter them, editors verify. Hooks registered on import (wagtail_hooks)."""
