"""makeplus/mail.py: languages, HTML + text parts, right-to-left Arabic, the event's name and logo,
nothing sent for a rolled-back transaction. Through a real SMTP server (root conftest `smtp_server`)."""

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory
from events.tests.factories import EventFactory
from makeplus.mail import build_message, mail_language, send_mail_on_commit


def _parts(message):
    """(plain text, html) of a received email.message.EmailMessage."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.mark.django_db
def test_mail_language_user_then_event_then_french():
    event = EventFactory(settings={"language": "en"})
    assert mail_language() == "fr"
    assert mail_language(event=event) == "en"
    assert mail_language(user=UserFactory(language="ar"), event=event) == "ar"
    assert mail_language(user=UserFactory(language=""), event=event) == "en"
    assert mail_language(user=UserFactory(language=""), event=EventFactory(settings={"language": "xx"})) == "fr"
    assert mail_language(event=EventFactory(settings={"language": "ar-DZ"})) == "ar"


@pytest.mark.django_db
def test_sent_after_commit_with_html_and_text_parts(smtp_server, django_capture_on_commit_callbacks):
    event = EventFactory(name="TechSummit & Co", logo_url="https://cdn.makeplus.test/logo.png")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_mail_on_commit(
            to="amine@makeplus.test",
            template="signup_code",
            context={"code": "123456", "first_name": "Amine", "minutes": 15},
            event=event,
            language="en",
        )
        assert smtp_server.messages == []  # not before the commit
    assert len(callbacks) == 1
    [message] = smtp_server.messages
    assert smtp_server.envelopes == [("no-reply@makeplus.dz", ["amine@makeplus.test"])]
    assert message["To"] == "amine@makeplus.test"
    assert message["Subject"] == "123456 is your MakePlus verification code"
    assert message["Content-Language"] == "en"
    assert message.get_content_type() == "multipart/alternative"
    text, html = _parts(message)
    assert "Hello Amine," in text
    assert "TechSummit & Co" in text  # plain text is not HTML-escaped
    assert "123456" in text and "The code is valid for 15 minutes." in text
    assert '<html lang="en" dir="ltr">' in html
    assert "TechSummit &amp; Co" in html
    assert '<img src="https://cdn.makeplus.test/logo.png"' in html
    assert "123456" in html


@pytest.mark.django_db
def test_french_by_default(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_mail_on_commit(to="a@makeplus.test", template="signup_code", context={"code": "654321", "minutes": 15})
    [message] = smtp_server.messages
    assert message["Content-Language"] == "fr"
    assert message["Subject"] == "654321 est votre code de vérification MakePlus"
    text, html = _parts(message)
    assert text.splitlines()[0] == "MakePlus"  # no event: the product's name
    assert "Bonjour," in text
    assert "Le code est valable 15 minutes." in text
    assert '<html lang="fr" dir="ltr">' in html


@pytest.mark.django_db
def test_arabic_is_right_to_left(smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory(language="ar", first_name="Yacine")
    event = EventFactory(name="Salon Alger", settings={"language": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        send_mail_on_commit(
            to=user.email,
            template="password_reset_code",
            context={"code": "111222", "first_name": user.first_name, "minutes": 15},
            language=mail_language(user=user, event=event),
            event=event,
        )
    [message] = smtp_server.messages
    assert message["Content-Language"] == "ar"
    # (Python's parser keeps the space of the folded encoded header)
    assert message["Subject"].strip() == "111222 هو رمز إعادة تعيين كلمة مرور MakePlus"
    text, html = _parts(message)
    assert '<html lang="ar" dir="rtl">' in html
    assert '<body dir="rtl"' in html
    assert "مرحبا Yacine،" in html
    assert "Salon Alger" in text
    # the code itself is left-to-right inside the Arabic text
    assert '<span dir="ltr"' in html and "111222" in html


@pytest.mark.django_db(transaction=True)
def test_nothing_sent_for_a_rolled_back_transaction(smtp_server):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        send_mail_on_commit(to="x@makeplus.test", template="signup_code", context={"code": "1", "minutes": 15})
        raise Abort
    assert smtp_server.messages == []
    with transaction.atomic():
        send_mail_on_commit(to="y@makeplus.test", template="signup_code", context={"code": "2", "minutes": 15})
    assert [m["To"] for m in smtp_server.messages] == ["y@makeplus.test"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_server_does_not_break_the_committed_request(settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with transaction.atomic():
        send_mail_on_commit(to="y@makeplus.test", template="signup_code", context={"code": "2", "minutes": 15})
    [record] = [r for r in caplog.records if r.name == "makeplus.mail"]
    assert (
        record.getMessage() == "Could not send the email '2 est votre code de vérification MakePlus' to y@makeplus.test"
    )
    assert record.exc_info


@pytest.mark.django_db(transaction=True)
def test_background_delivery(smtp_server, settings):
    import time

    settings.EMAIL_SEND_IN_BACKGROUND = True
    with transaction.atomic():
        send_mail_on_commit(to="bg@makeplus.test", template="signup_code", context={"code": "3", "minutes": 15})
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["To"] for m in smtp_server.messages] == ["bg@makeplus.test"]


@pytest.mark.django_db
def test_attachments_and_inline_images(smtp_server):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    message = build_message(
        to=["a@makeplus.test", "b@makeplus.test"],
        template="signup_code",
        context={"code": "1", "minutes": 1},
        inline_images=[("badge-qr", png, "png")],
        attachments=[("badge.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    message.send()
    [received] = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["a@makeplus.test", "b@makeplus.test"]
    structure = [(part.get_content_type(), part.get_content_disposition()) for part in received.walk()]
    assert structure == [
        ("multipart/mixed", None),
        ("multipart/related", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/html", None),
        ("image/png", "inline"),
        ("application/pdf", "attachment"),
    ]
    parts = {part.get_content_type(): part for part in received.walk()}
    assert parts["image/png"]["Content-ID"] == "<badge-qr>"
    assert parts["image/png"].get_content() == png
    assert parts["application/pdf"].get_filename() == "badge.pdf"
    assert parts["application/pdf"].get_content() == b"%PDF-1.4 test"
    assert "Le code est valable 1 minute." in received.get_body(preferencelist=("plain",)).get_content()
