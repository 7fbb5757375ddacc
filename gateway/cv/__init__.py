"""The electronic CV printed: HTML (html.py) and PDF (pdf.py), served by routes.py."""
