"""Small files the handbook upload tests send."""

# The smallest PDF the upload check accepts: the header, one object, the end.
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
