"""Load pixelhelper into mitmproxy: `mitmdump -s addons/tiktok_pixel.py`.

Options: `--set pixelhelper_mode=observe|block|redact`, `pixelhelper_known_identities=FILE`,
`pixelhelper_region=CC`, `pixelhelper_save=FILE`, `pixelhelper_save_all=true`,
`pixelhelper_report=FILE`, `pixelhelper_view=auto|live|lines|none`,
`pixelhelper_inspector_process=false` (inspect in the proxy, not in a separate process).
See `mitmdump --options`.
"""

from pixelhelper.live.addon import PixelHelper
from pixelhelper.live.script import script_namespace

# The hooks (load, configure, request, ...) and None for every other hook mitmproxy has become
# this module's own names, so mitmproxy finds them, and skips the rest, without a costly miss.
globals().update(script_namespace(PixelHelper(inspector_process=True)))
