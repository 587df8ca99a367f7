from . import __version__

print(f"iu-cutter skeleton {__version__} (no operations)")
