"""The script `pixelhelper live` and `scan` pass to `mitmdump -s` (ships inside the package)."""

from pixelhelper.live.addon import PixelHelper

addons = [PixelHelper(inspector_process=True)]
