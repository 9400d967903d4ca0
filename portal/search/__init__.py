"""Site search in Chinese: the Wagtail search backend (backend.py, over text.py's segmentation),
the /search/ page and its autocomplete (views.py, results.py)."""
