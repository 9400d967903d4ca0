"""The owners' availability calendar (房态日历) in the admin. Hooks registered on import (wagtail_hooks)."""
