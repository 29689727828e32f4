from _typeshed import ReadableBuffer

def dihedral(rgb: ReadableBuffer, width: int, height: int) -> tuple[bytes, int]:
    """The 8 dihedral PDQ hashes (8 x 32 bytes) and quality of row-major 8-bit RGB pixels."""

def hash(rgb: ReadableBuffer, width: int, height: int) -> tuple[bytes, int]:
    """The PDQ hash (32 bytes) and quality of row-major 8-bit RGB pixels."""
