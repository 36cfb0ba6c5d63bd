"""A delivery as an email: plain text and HTML alternatives of the same notice. Pure."""

from __future__ import annotations

import html
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

DELIVERY_HEADER = "X-Pressroom-Delivery"


def render_email(payload: Mapping[str, Any], to: str, sender: str) -> EmailMessage:
    """The Message-ID derives from the delivery id, so a resent email is recognisably the same."""
    message = EmailMessage()
    message["Subject"] = subject(payload)
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(idstring=payload["delivery_id"], domain="pressroom")
    message[DELIVERY_HEADER] = payload["delivery_id"]
    text = plain_text(payload)
    message.set_content(text)
    message.add_alternative(as_html(text), subtype="html")
    return message


def subject(payload: Mapping[str, Any]) -> str:
    title = payload["title"]
    match payload["notice"]:
        case "withdrawn":
            return f"Withdrawn: {title}"
        case "unpublished":
            return f"Removed: {title}"
        case _ if payload["edition"] > 1:
            return f"Updated: {title}"
        case _:
            return str(title)


def plain_text(payload: Mapping[str, Any]) -> str:
    lines = [payload["title"], ""]
    match payload["notice"]:
        case "withdrawn":
            lines += ["This release has been withdrawn.", payload["explanation"]]
        case "unpublished":
            lines += ["This release is no longer published."]
        case _:
            if payload["edition"] > 1:
                lines += [f"What changed: {payload['change_note']}", ""]
            lines += [payload["summary"], "", payload["body"]]
    lines += ["", payload["url"]]
    return "\n".join(lines).strip() + "\n"


def as_html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f"<!doctype html>\n<html><body>\n{body}\n</body></html>\n"
