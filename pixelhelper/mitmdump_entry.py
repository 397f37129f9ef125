"""The script `pixelhelper live` and `scan` pass to `mitmdump -s` (ships inside the package)."""

from pixelhelper.addon import PixelHelper

addons = [PixelHelper()]
