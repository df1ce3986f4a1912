async def handle_status(ack, *, deps):  # placeholder, replaced by its issue
    await ack()
