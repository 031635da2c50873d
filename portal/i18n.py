"""`N_` marks a string for extraction into the catalogs without translating it where it is defined:
labels kept in model dictionaries are translated where they are shown, with `_(label)`."""


def N_(text: str) -> str:
    return text
