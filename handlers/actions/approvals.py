async def _ack(ack, *, deps):
    await ack()

handle_request_reverse = handle_request_teardown = handle_approve = handle_deny = _ack
