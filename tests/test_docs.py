"""The guides in docs/ and the screenshots the browser tests take for them stay in step."""

import re
from pathlib import Path

from django.test import SimpleTestCase

BASE = Path(__file__).resolve().parents[1]
GUIDES = {"owner": BASE / "docs" / "guide-owner.md", "editor": BASE / "docs" / "guide-editor.md"}
TAKERS = sorted((BASE / "tests" / "browser").glob("test_*.py"))


class GuideTests(SimpleTestCase):
    def test_every_picture_a_guide_shows_is_taken_by_the_browser_tests(self):
        source = "\n".join(taker.read_text(encoding="utf-8") for taker in TAKERS)
        for who, guide in GUIDES.items():
            shown = re.findall(r"\]\(images/guide/([a-z0-9-]+)\.jpg\)", guide.read_text(encoding="utf-8"))
            self.assertGreaterEqual(len(shown), 5, guide.name)
            for name in shown:
                with self.subTest(name=name):
                    self.assertTrue(name.startswith(f"{who}-"), f"{guide.name} shows another guide's picture")
                    self.assertTrue(f'"{name}"' in source, f"no browser test takes {name}.jpg")  # not assertIn: it would print every test file
                    self.assertTrue((BASE / "docs" / "images" / "guide" / f"{name}.jpg").is_file(), f"{name}.jpg is missing: run the browser tests")

    def test_guides_are_linked_from_the_readme(self):
        readme = (BASE / "README.md").read_text(encoding="utf-8")
        for guide in GUIDES.values():
            self.assertIn(f"docs/{guide.name}", readme)
