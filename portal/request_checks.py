"""Refuse requests whose text cannot be stored or compared: NUL bytes and broken UTF-8.

PostgreSQL cannot hold a NUL character in text, so a query string such as `?q=a%00` that reaches
a database lookup fails with a 500 there (SQLite accepts it, which is why tests on SQLite alone miss
it). Unpaired UTF-16 surrogates (`%ED%A0%80`) and other invalid UTF-8 are no text at all: Django
turns them into U+FFFD or leaves them percent-encoded, and every view then has to cope with a value
that no visitor typed. No legitimate link or form of the portal sends either, so one check before
any view answers a plain 400 instead of letting each view meet them.

Checked: the path, the query string and application/x-www-form-urlencoded bodies, each
percent-decoded here (a path holding a literal "%00" or "%FF", sent as %2500, is refused too: no
portal URL has a percent sign). Multipart fields go through Django
forms, whose CharFields refuse NUL themselves; JSON bodies are not read by any public view.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest
from django.http.request import RawPostDataException

MESSAGE = "请求含有无效字符（空字节或无效的 UTF-8 编码），请检查地址或输入的内容。\nThe request contains invalid characters (a NUL byte or invalid UTF-8): please check the address or what was typed.\n"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def bad_text(raw: bytes) -> bool:
    """True when the (percent-decoded) bytes hold a NUL or are not valid UTF-8.

    Python's strict UTF-8 decoder refuses encoded surrogates (ED A0 80 … ED BF BF), overlong
    forms and truncated sequences, so one decode covers lone surrogates and broken bytes alike.
    """
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _wsgi_bytes(request, key: str) -> bytes:
    # WSGI strings are bytes decoded as ISO-8859-1 (PEP 3333): encoding them back gives the bytes.
    value = request.META.get(key, "")
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:  # an ASGI server or a test that passed real text
        return value.encode("utf-8", "surrogatepass")


def _form_decoded(raw: bytes) -> bytes:
    return unquote_to_bytes(raw.replace(b"+", b" "))


def request_is_malformed(request) -> bool:
    # Django has decoded the path already and put bytes that are not UTF-8 back as %XX
    # (repercent_broken_unicode), so percent-decode it again to see them.
    path = request.path_info
    if "\x00" in path or ("%" in path and bad_text(unquote_to_bytes(path.encode("utf-8", "surrogatepass")))):
        return True
    query = _wsgi_bytes(request, "QUERY_STRING")
    if query and bad_text(_form_decoded(query)):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method == "POST" and content_type.split(";")[0].strip().lower() == FORM_CONTENT_TYPE:
        charset = content_type.lower().partition("charset=")[2].strip(' "')
        if charset in ("", "utf-8", "utf8"):
            try:
                body = request.body
            except RawPostDataException:
                return False
            if body and bad_text(_form_decoded(body)):
                return True
    return False


class MalformedRequestMiddleware:
    """400 for NUL bytes and invalid UTF-8 in the path, query string or form body (see module doc).

    Early in MIDDLEWARE, after the security headers, so no session, locale, cache or database work
    is done for such a request. Plain text, Chinese then English: the request may not even have a
    usable language prefix.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_is_malformed(request):
            response = HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
