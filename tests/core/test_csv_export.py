from lmi_portal.core.csv_export import csv_response, safe_cell


def test_formula_like_cells_are_neutralised():
    assert safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert safe_cell("+31 6 1234") == "'+31 6 1234"
    assert safe_cell("@SUM(1)") == "'@SUM(1)"
    assert safe_cell("gewoon") == "gewoon"
    assert safe_cell(None) == ""


def test_csv_response_streams_a_download():
    response = csv_response(filename="x.csv", header=["naam"], rows=[["=1+1"], ["Ab"]])
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert body == "\ufeffnaam\r\n'=1+1\r\nAb\r\n"
