"""The product's own locale formats (FORMAT_MODULE_PATH = ["crm.formats"]): Django's, except where a
reader of that language would not write a figure that way."""
