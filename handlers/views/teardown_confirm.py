async def handle_submit(ack, *, deps):  # placeholder, replaced by its issue
    await ack()
