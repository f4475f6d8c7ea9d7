"""The getting-started page: the README's section, with its links made relative to ``docs/``.

``docs/getting-started.md`` names the section (``--8<-- "README.md:getting-started"``) that the
README marks between ``--8<-- [start:getting-started]`` and ``[end:getting-started]`` comments,
so the text exists once, in the README. The README links its pictures from the repository's
root (``docs/demo/...``); seen from a page in ``docs/`` they are ``demo/...``. So this MkDocs
hook (``hooks:`` in mkdocs.yml) puts the section in place itself, those links rewritten, where
pymdownx.snippets would copy them unchanged and the strict build would find them broken.
"""
import re
from pathlib import Path

MARKER = '--8<-- "README.md:getting-started"'


def section(readme: str) -> str:
    """The getting-started section of the README's text, its ``docs/`` links relative."""
    body = readme.split("[start:getting-started] -->", 1)[1]
    body = body.split("<!-- --8<-- [end:getting-started]", 1)[0]
    return re.sub(r"\]\(docs/", "](", body)


def on_page_markdown(markdown, page, config, files):
    """MkDocs hook: replace the marker with the README's section."""
    if MARKER not in markdown:
        return markdown
    readme = Path(config["config_file_path"]).parent / "README.md"
    return markdown.replace(MARKER, section(readme.read_text()))
