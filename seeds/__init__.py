"""Demo and load-test data: the one place that seeds (and empties) a development database.

Seeds sit on top of the domain apps and write through their services, as a real client
would; nothing in the domain apps imports them. ``common`` holds what every seed shares;
the management commands in ``seeds/management/commands/`` only parse, call and print.
"""
