async def handle_teardown(ack, *, deps):  # placeholder, replaced by its issue
    await ack()
