"""The script `pixelhelper live` and `scan` pass to `mitmdump -s` (ships inside the package)."""

from pixelhelper.live.addon import PixelHelper, script_namespace

# The hooks become this module's own names (see `script_namespace`), not an `addons` list.
globals().update(script_namespace(PixelHelper(inspector_process=True)))
