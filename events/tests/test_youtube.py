import pytest

from events.youtube import youtube_embed_url, youtube_video_id


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        "http://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ?si=abc",
        "https://www.youtube.com/live/dQw4w9WgXcQ",
        "https://youtube.com/live/dQw4w9WgXcQ?feature=shared",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
        " https://m.youtube.com/embed/dQw4w9WgXcQ/ ",
    ],
)
def test_accepted_forms_give_the_video_id(url):
    assert youtube_video_id(url) == "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/123456789",
        "https://www.youtube.com.evil.dz/watch?v=dQw4w9WgXcQ",
        "https://evil.dz/youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/channel/UCabcdefghijk",
        "ftp://youtu.be/dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com/watch",
        "",
    ],
)
def test_anything_else_is_refused(url):
    assert youtube_video_id(url) is None


def test_embed_url():
    assert youtube_embed_url("dQw4w9WgXcQ") == "https://www.youtube.com/embed/dQw4w9WgXcQ"
