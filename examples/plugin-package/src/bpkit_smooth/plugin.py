"""The hook implementations that bpkit loads through the entry point.

Keep this module small and cheap to import: bpkit imports it the first time
any activation or loss is looked up.
"""

import bpkit

from bpkit_smooth.functions import LogCosh, Mish, Softsign


@bpkit.hookimpl
def bpkit_register_activations():
    return [Mish, Softsign]


@bpkit.hookimpl
def bpkit_register_losses():
    return [LogCosh]
