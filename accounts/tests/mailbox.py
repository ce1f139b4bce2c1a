"""Helpers of the email tests: read what the real SMTP server (root conftest `smtp_server`) received."""

import re

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
LINK = re.compile(r"https?://\S+/account/\S+?/(?=\s|$)")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def code_in(message) -> str:
    """The 6-digit code of a received message (the first one in its plain-text part)."""
    return CODE.search(text_of(message)).group(1)


def link_in(message) -> str:
    return LINK.search(text_of(message)).group(0)


def last_to(smtp_server, email: str):
    """The last message received for this address."""
    mine = [m for m in smtp_server.messages if m["To"] == email]
    assert mine, f"no message for {email}; received: {[m['To'] for m in smtp_server.messages]}"
    return mine[-1]
