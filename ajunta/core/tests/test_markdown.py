from django.test import SimpleTestCase

from ajunta.core.markdown import render_markdown


class MarkdownTests(SimpleTestCase):
    def test_harmless_markup_is_kept_and_the_rest_removed(self) -> None:
        html = render_markdown(
            "## Títol\n\n- **un**\n- [dos](https://example.org)\n\n"
            "<script>alert(1)</script> [x](javascript:alert(1)) <b onclick='x'>b</b>"
        )
        self.assertIn("<h2>Títol</h2>", html)
        self.assertIn("<strong>un</strong>", html)
        self.assertIn('href="https://example.org"', html)
        self.assertIn('rel="noopener noreferrer"', html)
        for forbidden in ("<script", "javascript:", "onclick"):
            self.assertNotIn(forbidden, html)

    def test_images_only_where_the_caller_allows_them(self) -> None:
        text = "![escut](https://example.org/escut.png)"
        self.assertNotIn("<img", render_markdown(text))
        self.assertIn(
            '<img alt="escut" src="https://example.org/escut.png">',
            render_markdown(text, images=True),
        )
