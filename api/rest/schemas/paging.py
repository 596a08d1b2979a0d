"""What paged lists say about their cursors."""

CURSOR_TEXT = (
    "The `next_cursor` of the page before: the list goes on after the item it names. Every "
    "value of this shape is a position in the list, so a cursor never expires"
)
