"""The script `pixelhelper live` and `scan` pass to `mitmdump -s` (ships inside the package)."""

from pixelhelper.live.addon import PixelHelper
from pixelhelper.live.script import script_namespace

# The hooks, and None for every other hook, become this module's names (see `script_namespace`).
globals().update(script_namespace(PixelHelper(inspector_process=True)))
