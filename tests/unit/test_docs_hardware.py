"""docs/hardware.md says what the code and the board configs say."""

from pathlib import Path

import pytest

from doc_tables import RPI_BOARDS, fault_table, wiring_table

DOC = (Path(__file__).resolve().parents[2] / "docs/hardware.md").read_text()


def test_the_fault_matrix_in_the_docs_is_the_codes():
    assert fault_table() in DOC, "docs/hardware.md: paste `python tests/doc_tables.py` output"


@pytest.mark.parametrize("board", RPI_BOARDS)
def test_wiring_tables_match_the_board_configs(board):
    assert f"### {board}\n\n{wiring_table(board)}" in DOC
