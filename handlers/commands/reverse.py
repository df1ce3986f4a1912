async def handle_reverse(ack, *, deps):  # placeholder, replaced by its issue
    await ack()
