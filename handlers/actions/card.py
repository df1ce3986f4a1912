async def _ack(ack, *, deps):
    await ack()

handle_abort_click = handle_refresh = handle_follow = handle_share = _ack
