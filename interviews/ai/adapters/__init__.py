"""Vendor adapters: signature check + parsing of each vendor's delivery into hrsys terms (R-AI-3)."""
