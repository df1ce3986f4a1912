async def handle_abort(ack, *, deps):  # placeholder, replaced by its issue
    await ack()
