from pathlib import Path

from sanzhang.org.policy import matrix_markdown

DOCS = Path(__file__).resolve().parents[4] / "docs"


def test_permissions_doc_shows_the_matrix_in_force():
    text = (DOCS / "permissions.md").read_text()
    table = (
        text.split("<!-- matrix:start -->")[1].split("<!-- matrix:end -->")[0].strip()
    )
    assert table == matrix_markdown()
